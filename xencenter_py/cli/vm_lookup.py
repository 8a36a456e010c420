"""What the ``vm`` lifecycle verbs share: step descriptions as progress (objects are found,
and refusals reported, with ``cli.lookup``)."""

from __future__ import annotations

from collections.abc import Callable


def progress_printer(quiet: bool) -> Callable[[float, str], None]:
    """Print each step's description (not the fractions) unless ``quiet``."""

    def show(_fraction: float, text: str) -> None:
        if text and not quiet:
            print(text, flush=True)

    return show
