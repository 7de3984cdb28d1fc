"""What tmux's error messages mean, named once (tmux 3.x wording).

tmux reports every failure as one line on stderr with a non-zero exit; these
predicates are the only places chloe reads that text.
"""

from __future__ import annotations

_NO_SERVER = (
    "no server running",  # the socket file exists but nothing listens on it
    "error connecting to",  # no socket file (or it cannot be opened)
    "server exited unexpectedly",  # the server went away mid-command
)

_NO_TARGET = (
    "can't find session",  # tmux 3.x, for a session target
    "can't find pane",
    "can't find window",
    "no such session",  # older wording, still used by has-session in some builds
    "no current target",  # tmux 3.3 for any target on a server without sessions
)


def no_current_target(stderr: str) -> bool:
    """tmux 3.3 says this for ``list-panes -a`` on a server that has no session."""
    return "no current target" in stderr


def server_down(stderr: str) -> bool:
    """tmux found no server on the socket."""
    return any(s in stderr for s in _NO_SERVER)


def no_such_target(stderr: str) -> bool:
    """The server runs, but the session (or its pane) named by ``-t`` does not exist."""
    return any(s in stderr for s in _NO_TARGET)


def target_gone(stderr: str) -> bool:
    """The target cannot be reached because it, or the whole server, is gone."""
    return server_down(stderr) or no_such_target(stderr)
