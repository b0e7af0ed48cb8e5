"""The deployment secret that keys voter pseudonyms.

Set MEDBORGARBUDGET_SECRET (hex, at least 32 bytes) in production so that every worker and
machine uses the same key; in embedded mode it is generated into the data folder on first start.
Losing it does not lose ballots, but a voter would get a new pseudonym and could vote again.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from domain.pseudonym import MIN_SECRET_BYTES
from service.config import VARIABLES, ConfigurationError, Settings, private_folder

SECRET_ENV = "MEDBORGARBUDGET_SECRET"
SECRET_FILE = "secret.key"
# The variables that hold a secret, and the setting each is read into.
SETTING_OF = {variable: name for name, variable in VARIABLES.items()
              if name in ("secret", "session_secret", "jwt_secret")}


def load_secret(
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    variable: str = SECRET_ENV,
    file_name: str = SECRET_FILE,
) -> bytes:
    """The secret from `variable` (hex), else from `file_name` in the data folder, made once."""
    configured = getattr(Settings.from_env(env), SETTING_OF[variable])
    if configured:
        return _decode(configured, variable)
    path = data_dir / file_name
    if not path.exists():
        private_folder(data_dir)
        draft = data_dir / f".{file_name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(MIN_SECRET_BYTES) + "\n")
        try:
            # A hard link appears whole or not at all: when two processes start at once, the
            # first secret wins and nobody ever reads a half-written file.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return _decode(path.read_text().strip(), str(path))


def _decode(text: str, source: str) -> bytes:
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise ConfigurationError(f"{source} must be hexadecimal") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"{source} must hold at least {MIN_SECRET_BYTES} bytes")
    return secret
