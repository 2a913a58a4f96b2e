"""The memory tier's entries keyed by their parts' values: blocks of ids (``cache.in_blocks``:
the layers' Features, the search's cards), each read once per version, a missing id kept
missing, within the memory tier's bytes; values of no data (``cache.memo``), once per release."""

import pytest

from geo_directory import cache

V1, V2 = cache.Version(7, None), cache.Version(8, None)


class Reader:
    """A ``read`` that records the ids it was asked, and knows only the even ones."""

    def __init__(self):
        self.asked = []

    def __call__(self, wanted):
        self.asked.append(sorted(wanted))
        return {pk: f"feature {pk}" for pk in wanted if pk % 2 == 0}


def test_each_block_is_read_once_per_version_and_a_missing_id_stays_missing():
    cache.clear()
    read = Reader()
    first = cache.in_blocks("test-blocks", (V1, "lieux"), [2, 3, 40], read, block=32)
    # the values of the blocks of these ids (the callers pick theirs), none for a missing id
    assert first[2] == "feature 2" and first[40] == "feature 40" and 3 not in first
    assert sorted(first) == list(range(0, 64, 2))
    assert read.asked == [list(range(0, 64))]  # blocks 0 and 1, in one read
    again = cache.in_blocks("test-blocks", (V1, "lieux"), [3, 4, 62], read, block=32)
    assert again[4] == "feature 4" and again[62] == "feature 62" and 3 not in again
    assert len(read.asked) == 1
    cache.in_blocks("test-blocks", (V2, "lieux"), [4], read, block=32)  # another version
    cache.in_blocks("test-blocks", (V1, "communes"), [4], read, block=32)  # another layer
    assert read.asked[1:] == [list(range(0, 32))] * 2


def test_blocks_count_in_the_memory_tiers_bytes_and_go_with_clear(settings):
    cache.clear()
    cache.in_blocks("test-blocks", (V1, "lieux"), [2], Reader(), block=4)
    assert cache.MEMORY.bytes >= cache.size_of({0: "feature 0", 2: "feature 2"}) > 0
    settings.CACHE_ENTRY_MAX_BYTES = 1  # over the per-entry limit: read, not kept
    read = Reader()
    for _ in range(2):
        found = cache.in_blocks("test-blocks", (V2, "lieux"), [2], read, block=4)
        assert found == {0: "feature 0", 2: "feature 2"}
    assert len(read.asked) == 2
    cache.clear()
    assert cache.MEMORY.bytes == 0 and len(cache.MEMORY) == 0


def test_blocks_are_kept_per_data_version():
    with pytest.raises(TypeError, match="Version"):
        cache.in_blocks("test-blocks", ("lieux",), [1], Reader())


def test_a_memo_is_built_once_per_parts_and_release_even_with_a_list_among_them(settings):
    cache.clear()
    built = []

    def build(label):
        built.append(label)
        return f"<p>{label}</p>"

    for _ in range(2):
        assert cache.memo("test-memo", ("a", True), lambda: build("a")) == "<p>a</p>"
        assert cache.memo("test-memo", ("a", ["x", "y"]), lambda: build("list")) == "<p>list</p>"
        assert cache.memo("test-memo", ("b", True), lambda: build("b")) == "<p>b</p>"
    assert built == ["a", "list", "b"]
    settings.RELEASE = "another-deploy"  # new code: its own markup
    cache.memo("test-memo", ("a", True), lambda: build("a"))
    cache.memo("test-memo", ("a", ["x", "y"]), lambda: build("list"))
    assert built == ["a", "list", "b", "a", "list"]
