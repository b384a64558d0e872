"""User interfaces: the ``navarch`` command (Typer + Rich). No Kubernetes logic of its own."""
