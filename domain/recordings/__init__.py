"""Conference recordings (guide §9.6, §16.5): the facts media nodes publish and the
rules of keeping, downloading and deleting them."""

from domain.recordings.recording import Recording

__all__ = ["Recording"]
