"""chloe: a keyboard-driven terminal session manager.

Direct panes run on a pty owned by chloe; tmux panes run on chloe's own tmux
server and survive chloe, SSH and the laptop lid.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
