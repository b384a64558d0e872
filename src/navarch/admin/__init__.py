"""Administrative operations on the management cluster: install CRDs, (de)register clusters.

Used by the CLI and by the manager (which registers the management cluster itself). They sit
beside the controllers: they use navarch.kube and navarch.api, and the CLI calls them.
"""
