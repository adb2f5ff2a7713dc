"""Signed pickles: the only way the workbench turns stored bytes back into Python objects.

Unpickling runs code chosen by whoever wrote the bytes, and a database file is meant to be handed
around. A hash stored beside the bytes proves nothing (whoever replaces the bytes replaces the hash
too), so each pickle is sealed with an HMAC-SHA256 under a key that lives outside the database: one
random key per installation, in the user's config directory (``~/.config/mdg-workbench/artifact.key``,
created ``0600`` on first use; ``MDG_ARTIFACT_KEY_FILE`` points elsewhere). The signature is checked
before a single byte is unpickled; anything else is refused with ``UntrustedArtifactError``. So a
database made on another machine keeps its datasets and reports, but its kept models must be refitted.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from mdg_core.errors import ArtifactKeyError, UntrustedArtifactError

KEY_ENV = "MDG_ARTIFACT_KEY_FILE"
KEY_BYTES = 32
MAGIC = b"MDG-SIGNED-PICKLE/1\n"
_DIGEST_BYTES = hashlib.sha256().digest_size


def key_path() -> Path:
    """Where this installation's signing key lives (``MDG_ARTIFACT_KEY_FILE`` overrides it)."""
    override = os.environ.get(KEY_ENV)
    if override:
        return Path(override).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "mdg-workbench" / "artifact.key"


def _read_key(path: Path) -> bytes:
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ArtifactKeyError(f"The artifact signing key {path} is not a regular file. Remove it; a new key is made "
                               "on next use (kept models must then be refitted).")
    if os.name == "posix" and st.st_mode & 0o077:
        raise ArtifactKeyError(f"The artifact signing key {path} can be read or changed by other users "
                               f"(mode {stat.S_IMODE(st.st_mode):o}). Run `chmod 600 {path}` and try again.")
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise ArtifactKeyError(f"The artifact signing key {path} is shorter than {KEY_BYTES} bytes. Remove it; a new "
                               "key is made on next use (kept models must then be refitted).")
    return key


def installation_key() -> bytes:
    """This installation's signing key, created (readable by the owner only) on first use."""
    path = key_path()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_bytes(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # atomic and never overwrites: two first uses at once agree on one key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise ArtifactKeyError(f"Cannot create the artifact signing key {path}: {exc.strerror or exc}. Make its folder "
                               f"writable or set {KEY_ENV} to a file you own.") from None
    return _read_key(path)


def _mac(key: bytes, purpose: str, body: bytes) -> bytes:
    return hmac.new(key, MAGIC + purpose.encode("utf-8") + b"\0" + body, hashlib.sha256).digest()


def sign(body: bytes, purpose: str) -> bytes:
    """``body`` sealed for ``purpose`` (e.g. ``"model"``) under this installation's key."""
    return MAGIC + _mac(installation_key(), purpose, body) + body


def verify(blob: bytes, purpose: str, what: str) -> bytes:
    """The body of a sealed blob, or ``UntrustedArtifactError`` naming ``what`` when it does not verify."""
    head = len(MAGIC) + _DIGEST_BYTES
    if blob.startswith(MAGIC) and len(blob) > head:
        tag, body = blob[len(MAGIC):head], blob[head:]
        if hmac.compare_digest(tag, _mac(installation_key(), purpose, body)):
            return body
    raise UntrustedArtifactError(
        f"{what} was not saved by this installation (or was changed since), so it is not loaded: a kept model is "
        "Python code, and only models signed with this machine's key are run. A database made elsewhere keeps its "
        "datasets and reports, but its models must be refitted here (Generate with 'Keep the fitted model')."
    )


def dumps(obj: Any, purpose: str) -> bytes:
    """Pickle ``obj`` (cloudpickle, so generators defined in notebooks work too) and sign it."""
    import cloudpickle

    return sign(cloudpickle.dumps(obj), purpose)


def loads(blob: bytes, purpose: str, what: str) -> Any:
    """Unpickle a blob made by :func:`dumps` on this installation; nothing is unpickled unless it verifies."""
    import pickle

    body = verify(blob, purpose, what)
    return pickle.loads(body)  # noqa: S301 - signed with this installation's key, verified just above
