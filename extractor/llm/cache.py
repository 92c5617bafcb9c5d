"""On-disk cache of section answers, so a re-run costs nothing.

One JSON file per answer under ``<cache_dir>/<key[:2]>/<key>.json``; the key
hashes the model, the instructor mode, the prompt id (version + file hash), the
response schema and the section text. Transport failures are not cached.
Writes go through a temporary file and a rename, so a crash leaves no half file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from extractor.llm.types import SectionResponse

DEFAULT_CACHE_DIR = Path(".extractor-cache") / "llm"


def cache_key(model: str, mode: str, prompt_id: str, schema_hash: str, text: str) -> str:
    text_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    material = json.dumps([model, mode, prompt_id, schema_hash, text_hash])
    return hashlib.sha256(material.encode()).hexdigest()


class AnswerCache:
    def __init__(self, directory: str | Path = DEFAULT_CACHE_DIR) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> SectionResponse | None:
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return SectionResponse.from_cache(data["response"])
        except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
            return None

    def put(self, key: str, response: SectionResponse, meta: dict[str, str]) -> None:
        if response.status == "failed":
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"meta": meta, "response": response.to_cache()}, ensure_ascii=False, indent=1)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
        os.replace(tmp, path)
