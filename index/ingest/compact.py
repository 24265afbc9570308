"""Compaction: the snapshot with segments merged, as the merge policy or a full merge asks."""

from __future__ import annotations

import dataclasses

from index.config import MergePolicy, VectorConfig
from index.storage.merge import merge_segments, plan_merge
from index.storage.snapshot import IndexSnapshot, LiveSegment, largest_spec

__all__ = ["compacted"]


def compacted(
    old: IndexSnapshot | None, policy: MergePolicy, vectors: VectorConfig, *, full: bool = False
) -> IndexSnapshot | None:
    """`old` with the segments `plan_merge` picks merged into one (with `full`: all of them,
    unless it is one segment without deletions already); None when nothing is to merge."""
    if old is None or not old.segments:
        return None
    if full:
        whole = len(old.segments) == 1 and not old.segments[0].deleted
        chosen = [] if whole else list(range(len(old.segments)))
    else:
        chosen = plan_merge(old.segments, policy)
    if not chosen:
        return None
    merged = LiveSegment(merge_segments([old.segments[i] for i in chosen], vectors))
    rest = [s for i, s in enumerate(old.segments) if i not in chosen]
    segments = (*rest[: chosen[0]], merged, *rest[chosen[0] :])
    manifest = dataclasses.replace(old.manifest, vectors=largest_spec(segments))
    return IndexSnapshot(manifest, segments)
