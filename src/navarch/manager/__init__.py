"""The manager process: leader election, self-registration, informers and every controller.

It sits above the controllers and admin operations and below the CLI (``navarch manager``).
"""

from navarch.manager.app import ManagerOptions, run_manager

__all__ = ["ManagerOptions", "run_manager"]
