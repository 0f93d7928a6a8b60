"""A corpus as its authors distribute it: an extracted folder or a zip archive, read the same way."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import BinaryIO

from ..errors import CorpusError


def _hidden(relative: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in relative.split("/"))


class CorpusSource:
    """Read-only view of a corpus folder or zip archive: relative posix paths, file bytes and a fingerprint."""

    def __init__(self, location: str | os.PathLike):
        self.location = Path(location).expanduser()
        if not self.location.exists():
            raise CorpusError(f"data_dir {self.location} does not exist; pass the corpus folder or its zip archive.")
        self._zip = None
        if self.location.is_file():
            if not zipfile.is_zipfile(self.location):
                raise CorpusError(
                    f"data_dir {self.location} is a file but not a zip archive; pass the extracted folder or the zip."
                )
            self._zip = zipfile.ZipFile(self.location)
            self._entries = {
                info.filename: (info.file_size, info.CRC)
                for info in self._zip.infolist()
                if not info.is_dir() and not _hidden(info.filename)
            }
        else:
            self._entries = {}
            for directory, folders, files in os.walk(self.location):
                folders[:] = sorted(folder for folder in folders if not _hidden(folder))
                for name in files:
                    path = Path(directory, name)
                    relative = path.relative_to(self.location).as_posix()
                    if not _hidden(relative):
                        stat = path.stat()
                        self._entries[relative] = (stat.st_size, stat.st_mtime_ns)
        if not self._entries:
            raise CorpusError(f"data_dir {self.location} is empty; pass the folder or archive that holds the corpus.")

    def __getstate__(self):
        return {"location": self.location, "_entries": self._entries}

    def __setstate__(self, state):
        self.__dict__.update(state, _zip=zipfile.ZipFile(state["location"]) if state["location"].is_file() else None)

    @property
    def paths(self) -> list[str]:
        return sorted(self._entries)

    def size(self, relative: str) -> int:
        return self._entries[relative][0]

    def read_bytes(self, relative: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(relative)
        return (self.location / relative).read_bytes()

    def open(self, relative: str) -> BinaryIO:
        """A seekable binary file of one member (for reading part of a long recording)."""
        return self._zip.open(relative) if self._zip is not None else (self.location / relative).open("rb")

    def read_text(self, relative: str, encoding: str = "utf-8") -> str:
        return self.read_bytes(relative).decode(encoding, errors="replace")

    def fingerprint(self) -> str:
        """Hash of the listing (names, sizes and modification times or CRCs): any change gives a new cache."""
        digest = hashlib.sha256(str(self.location.resolve()).encode())
        for relative in self.paths:
            digest.update(f"{relative}\0{self._entries[relative]}\n".encode())
        return digest.hexdigest()[:16]

    def __str__(self) -> str:
        return str(self.location)
