"""Manifests (OCI image manifest and index, Docker schema 2 manifest and list) and tags."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pullproof.core import jsonbody
from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.registry import errors
from pullproof.registry.content import Content, check_digest
from pullproof.registry.models import INDEX_TYPES, MANIFEST_TYPES, ManifestRecord
from pullproof.registry.scope import TAG_RE
from pullproof.registry.store import RegistryStore

MAX_MANIFEST = 4 * 1024 * 1024


@dataclass(frozen=True)
class Reference:
    """A manifest reference: a tag or a digest."""

    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> Reference:
        if ":" in text:
            return cls(None, check_digest(text))
        if not TAG_RE.match(text):
            raise ServiceError(errors.TAG_INVALID, detail_object={"tag": text})
        return cls(text, None)


def _descriptors(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = document.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(d, dict) and isinstance(d.get("digest"), str)
                                              for d in items):
        raise ServiceError(errors.MANIFEST_INVALID, detail_object={"reason": f"invalid {key}"})
    return items


def _subject_and_artifact(document: dict[str, Any]) -> tuple[str | None, str | None]:
    """The ``subject`` digest and the artifact type (``artifactType``, else the config's media type)."""
    subject, config = document.get("subject"), document.get("config")
    if subject is not None and not (isinstance(subject, dict) and isinstance(subject.get("digest"), str)):
        raise ServiceError(errors.MANIFEST_INVALID, detail_object={"reason": "invalid subject"})
    subject_digest = check_digest(subject["digest"]) if subject else None
    artifact = document.get("artifactType") or (
        config.get("mediaType") if subject_digest and isinstance(config, dict) else None)
    if artifact is not None and not isinstance(artifact, str):
        raise ServiceError(errors.MANIFEST_INVALID, detail_object={"reason": "invalid artifactType"})
    return subject_digest, artifact


class Manifests:
    def __init__(self, store: RegistryStore, content: Content, clock: Clock) -> None:
        self.store = store
        self.content = content
        self.clock = clock

    def resolve(self, registry: str, repository: str, ref: Reference) -> ManifestRecord:
        digest = ref.digest
        if ref.tag is not None:
            row = self.store.tag(registry, repository, ref.tag)
            if row is None:
                self._repository_exists(registry, repository)
                raise ServiceError(errors.MANIFEST_TAG_UNKNOWN, tag=ref.tag, detail_object={"Tag": ref.tag})
            digest = row["digest"]
        record = self.store.manifest(registry, repository, digest or "")
        if record is None:
            self._repository_exists(registry, repository)
            raise ServiceError(errors.MANIFEST_UNKNOWN, detail_object={"Digest": digest})
        return record

    def _repository_exists(self, registry: str, repository: str) -> None:
        if self.store.repository(registry, repository) is None:
            raise ServiceError(errors.NAME_UNKNOWN, detail_object={"name": repository})

    def body(self, record: ManifestRecord) -> bytes:
        return self.content.read_all(record.digest)

    def put(self, registry: str, repository: str, ref: Reference, media_type: str | None,
            data: bytes) -> ManifestRecord:
        if len(data) > MAX_MANIFEST:
            raise ServiceError(errors.MANIFEST_TOO_LARGE, limit=MAX_MANIFEST)
        digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
        if ref.digest is not None and ref.digest != digest:
            raise ServiceError(errors.DIGEST_INVALID, detail_object={"digest": ref.digest})
        document = self._parse(data)
        kind = str(document.get("mediaType") or media_type or "")
        if kind not in MANIFEST_TYPES or (media_type and media_type.split(";")[0].strip() not in (kind, "")):
            raise ServiceError(errors.MANIFEST_INVALID, detail_object={"mediaType": media_type or kind})
        children = self._children(registry, repository, document, kind)
        subject_digest, artifact = _subject_and_artifact(document)
        record = ManifestRecord(digest, kind, len(data), artifact, subject_digest, self.clock.now())
        with self.content.placing(digest):  # bytes and row together, never collected in between
            self.content.store_bytes(digest, data)
            self.store.put_manifest(registry, repository, record, children, ref.tag)
        return record

    @staticmethod
    def _parse(data: bytes) -> dict[str, Any]:
        try:
            document = jsonbody.loads(data, surrogates="replace")
        except jsonbody.JsonBodyError as exc:
            reason = "invalid json" if exc.kind != "depth" else f"invalid character '{exc.char}' exceeded max depth"
            raise ServiceError(errors.MANIFEST_INVALID, detail_object={"reason": reason}) from None
        if not isinstance(document, dict) or document.get("schemaVersion") != 2:
            raise ServiceError(errors.MANIFEST_INVALID, detail_object={"reason": "schemaVersion must be 2"})
        return document

    def _children(self, registry: str, repository: str, document: dict[str, Any], kind: str) -> list[tuple[str, str]]:
        """Every descriptor the manifest references must exist in the repository."""
        if kind in INDEX_TYPES:
            found = []
            for item in _descriptors(document, "manifests"):
                if self.store.manifest(registry, repository, check_digest(item["digest"])) is None:
                    raise ServiceError(errors.MANIFEST_BLOB_UNKNOWN, detail_object={"digest": item["digest"]})
                found.append((item["digest"], "manifest"))
            return found
        config = document.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("digest"), str):
            raise ServiceError(errors.MANIFEST_INVALID, detail_object={"reason": "config descriptor required"})
        found = []
        for item in [config, *_descriptors(document, "layers")]:
            if self.store.linked_size(registry, repository, check_digest(item["digest"])) is None:
                raise ServiceError(errors.MANIFEST_BLOB_UNKNOWN, detail_object={"digest": item["digest"]})
            found.append((item["digest"], "blob"))
        return found

    def delete(self, registry: str, repository: str, ref: Reference) -> None:
        if ref.tag is not None:
            if not self.store.delete_tag(registry, repository, ref.tag):
                self._repository_exists(registry, repository)
                raise ServiceError(errors.MANIFEST_TAG_UNKNOWN, tag=ref.tag, detail_object={"Tag": ref.tag})
            return
        record = self.resolve(registry, repository, ref)
        self.store.delete_manifest(registry, repository, record.digest)

    def referrers(self, registry: str, repository: str, subject: str, artifact_type: str | None) -> dict[str, Any]:
        check_digest(subject)
        found = []
        for record in self.store.referrers(registry, repository, subject):
            if artifact_type and record.artifact_type != artifact_type:
                continue
            entry: dict[str, Any] = {"mediaType": record.media_type, "digest": record.digest, "size": record.size}
            if record.artifact_type:
                entry["artifactType"] = record.artifact_type
            annotations = jsonbody.loads(self.body(record), surrogates="replace").get("annotations")
            if isinstance(annotations, dict) and annotations:
                entry["annotations"] = annotations
            found.append(entry)
        return {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": found}
