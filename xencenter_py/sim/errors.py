"""The simulator's failure type: a XAPI error code with its string parameters."""

from __future__ import annotations

from typing import Any


class XapiError(Exception):
    """Raised anywhere in the simulator to answer a call with ``Failure [code, params...]``."""

    def __init__(self, code: str, *params: Any) -> None:
        super().__init__(code, *params)
        self.code = code
        self.params = [str(p) for p in params]

    @property
    def description(self) -> list[str]:
        """XAPI's ``ErrorDescription``: the code followed by every parameter, all strings."""
        return [self.code, *self.params]

    def __str__(self) -> str:
        return " ".join(self.description)
