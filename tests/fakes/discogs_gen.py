"""A generated Discogs collection served by the fake services, for syncs of any size.

`DiscogsCollection.generate(n)` builds n owned releases in the shape of Discogs' collection
API (suffixed artists like `Air (2)`, credited names, two-artist joins, "Various"
compilations, several formats, a few copies owned twice); `install(fake)` registers routes
answering `/users/<user>/collection/folders[/<id>/releases]`, `/collection/fields` and
`/releases/<id>` through the fake's `route(...)` API. The collection can change between syncs
(`remove`, `add_copy`) and pages can be made to fail (`fail_page`).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tests.fakes.server import FakeServices, RecordedRequest, Reply

VARIOUS = {"name": "Various", "anv": "", "join": "", "role": "", "tracks": "", "id": 194}
FORMATS = [
    ("Vinyl", ["LP", "Album"]), ("Vinyl", ["LP", "Album", "Reissue"]), ("Vinyl", ['7"', "Single", "45 RPM"]),
    ("CD", ["Album"]), ("CD", ["Album", "Remastered"]), ("Cassette", ["Album"]), ("File", ["FLAC", "Album"]),
]
GENRES = [("Electronic", ["Trip Hop", "Downtempo", "IDM"]), ("Rock", ["Indie Rock", "Post Rock"]),
          ("Jazz", ["Modal", "Hard Bop"]), ("Hip Hop", ["Boom Bap"]), ("Pop", ["Synth-pop", "Dream Pop"])]
FOLDERS = [(1, "Uncategorized"), (2, "Living room"), (3, "Storage")]
WORDS = ["Moon", "Safari", "Glass", "River", "Night", "Signal", "Velvet", "Echo", "Paper", "Tide", "North", "Ghost",
         "Amber", "Quiet", "Static", "Harbour", "Lantern", "Orbit", "Marble", "Cinder"]


@dataclass
class FakeCopy:
    instance_id: int
    release_id: int
    folder_id: int = 1
    rating: int = 0
    date_added: str = "2024-01-01T10:00:00-08:00"
    notes: list[dict] = field(default_factory=list)


@dataclass
class DiscogsCollection:
    username: str = "rj_demo"
    releases: dict[int, dict] = field(default_factory=dict)  # basic_information by release id
    tracklists: dict[int, list[dict]] = field(default_factory=dict)
    copies: list[FakeCopy] = field(default_factory=list)
    _page_failures: dict[int, list[tuple[int, float | None]]] = field(default_factory=dict)

    # --- building ---------------------------------------------------------------------
    @classmethod
    def generate(cls, n: int, *, seed: int = 1, doubles: int = 0) -> DiscogsCollection:
        """n copies: n - doubles distinct releases, `doubles` of them owned twice."""
        rng = random.Random(seed)
        collection = cls()
        artists = [(f"{rng.choice(WORDS)} {rng.choice(WORDS)}s", 100_000 + i) for i in range(max(5, n // 4))]
        start = datetime(2015, 1, 1, tzinfo=timezone.utc)
        for index in range(n - doubles):
            release_id = 1_000_000 + index
            name, artist_id = artists[index % len(artists)]
            credits = [{"name": name + (" (2)" if artist_id % 7 == 0 else ""), "anv": "", "join": "", "role": "",
                        "tracks": "", "id": artist_id}]
            if index % 11 == 0:  # a two-artist credit, the second under another name
                other, other_id = artists[(index + 3) % len(artists)]
                credits[0]["join"] = "&"
                credits.append({"name": other, "anv": f"The {other}", "join": "", "role": "", "tracks": "",
                                "id": other_id})
            if index % 23 == 0:
                credits = [dict(VARIOUS)]
            fmt, descriptions = FORMATS[index % len(FORMATS)]
            genre, styles = GENRES[index % len(GENRES)]
            collection.add_release(
                release_id=release_id, title=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {index}", artists=credits,
                year=rng.randint(1960, 2025), format_name=fmt, descriptions=descriptions,
                label=(f"Label {index % 40}" + (" (3)" if index % 40 == 5 else ""), 5000 + index % 40, f"CAT-{index}"),
                genres=[genre], styles=styles[: 1 + index % 2], master_id=0 if index % 9 == 0 else 20_000 + index,
            )
            folder_id, _ = FOLDERS[index % len(FOLDERS)]
            added = start + timedelta(hours=7 * index)
            collection.add_copy(release_id=release_id, instance_id=5_000_000 + index, folder_id=folder_id,
                                rating=index % 6, date_added=added.strftime("%Y-%m-%dT%H:%M:%S-00:00"))
        for extra in range(doubles):
            release_id = 1_000_000 + extra
            collection.add_copy(release_id=release_id, instance_id=6_000_000 + extra, folder_id=2, rating=0)
        return collection

    def add_release(self, *, release_id: int, title: str, artists: list[dict], year: int = 1998,
                    format_name: str = "Vinyl", descriptions: list[str] | None = None,
                    label: tuple[str, int, str] = ("Source", 1852, "SRC 1"), genres: list[str] | None = None,
                    styles: list[str] | None = None, master_id: int = 0,
                    tracks: list[tuple[str, str, str]] | None = None) -> dict:
        base = "https://api.discogs.com"
        info = {
            "id": release_id, "master_id": master_id,
            "master_url": f"{base}/masters/{master_id}" if master_id else None,
            "resource_url": f"{base}/releases/{release_id}",
            "thumb": f"https://i.discogs.com/thumb/{release_id}.jpeg",
            "cover_image": f"https://i.discogs.com/cover/{release_id}.jpeg",
            "title": title, "year": year,
            "formats": [{"name": format_name, "qty": "1", "descriptions": list(descriptions or ["LP", "Album"])}],
            "labels": [{"name": label[0], "catno": label[2], "entity_type": "1", "entity_type_name": "Label",
                        "id": label[1], "resource_url": f"{base}/labels/{label[1]}"}],
            "artists": [{**a, "resource_url": f"{base}/artists/{a['id']}"} for a in artists],
            "genres": list(genres or ["Electronic"]), "styles": list(styles or []),
        }
        self.releases[release_id] = info
        self.tracklists[release_id] = [
            {"position": position, "type_": "track", "title": name, "duration": duration}
            for position, name, duration in (tracks or [("A1", f"{title} Part One", "3:57"),
                                                        ("A2", f"{title} Part Two", "4:02"),
                                                        ("B1", f"{title} Reprise", "")])
        ]
        return info

    def add_copy(self, *, release_id: int, instance_id: int, folder_id: int = 1, rating: int = 0,
                 date_added: str = "2024-01-01T10:00:00-08:00", notes: list[dict] | None = None) -> FakeCopy:
        copy = FakeCopy(instance_id=instance_id, release_id=release_id, folder_id=folder_id, rating=rating,
                        date_added=date_added, notes=list(notes or []))
        self.copies.append(copy)
        return copy

    def remove(self, *, instance_id: int) -> None:
        self.copies = [c for c in self.copies if c.instance_id != instance_id]

    def fail_page(self, page: int, *, status: int = 500, times: int = 1, retry_after: float | None = None) -> None:
        """The next `times` requests for collection page `page` answer `status`."""
        self._page_failures.setdefault(page, []).extend([(status, retry_after)] * times)

    # --- serving ----------------------------------------------------------------------
    def install(self, fake: FakeServices) -> DiscogsCollection:
        def authorized(handler):
            def guarded(request: RecordedRequest, match) -> Reply:
                if fake.is_rejected("discogs") or request.param("token") != fake.credentials["discogs_token"]:
                    return fake.fixture_reply("discogs/error_401.json", status=401)
                if match.groupdict().get("user", self.username).casefold() != self.username.casefold():
                    return fake.fixture_reply("discogs/error_404.json", status=404)
                return handler(request, match)
            return guarded

        fake.route("discogs", "GET", r"/users/(?P<user>[^/]+)/collection/folders", authorized(self._folders(fake)))
        fake.route("discogs", "GET", r"/users/(?P<user>[^/]+)/collection/folders/(?P<folder>\d+)/releases",
                   authorized(self._page(fake)))
        fake.route("discogs", "GET", r"/releases/(?P<id>\d+)", authorized(self._release(fake)))
        return self

    def _folders(self, fake: FakeServices):
        def answer(request, match) -> Reply:
            counts = {folder_id: sum(c.folder_id == folder_id for c in self.copies) for folder_id, _ in FOLDERS}
            folders = [{"id": 0, "name": "All", "count": len(self.copies)}] + [
                {"id": folder_id, "name": name, "count": counts[folder_id]} for folder_id, name in FOLDERS]
            return Reply(body={"folders": folders})
        return answer

    def _page(self, fake: FakeServices):
        def answer(request, match) -> Reply:
            page = int(request.param("page", "1") or 1)
            per_page = min(100, int(request.param("per_page", "50") or 50))
            failures = self._page_failures.get(page)
            if failures:
                status, retry_after = failures.pop(0)
                headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
                return Reply(status=status, body={"message": f"fake failure {status}"}, headers=headers)
            folder = int(match["folder"])
            copies = [c for c in self.copies if folder in (0, c.folder_id)]
            pages = math.ceil(len(copies) / per_page)
            chosen = copies[(page - 1) * per_page: page * per_page]
            releases = [{
                "id": c.release_id, "instance_id": c.instance_id, "date_added": c.date_added, "rating": c.rating,
                "basic_information": self.releases[c.release_id], "folder_id": c.folder_id,
                **({"notes": c.notes} if c.notes else {}),
            } for c in chosen]
            body = {"pagination": {"page": page, "pages": pages, "per_page": per_page, "items": len(copies),
                                   "urls": {}}, "releases": releases}
            return _rewritten(fake, body)
        return answer

    def _release(self, fake: FakeServices):
        def answer(request, match) -> Reply:
            release_id = int(match["id"])
            info = self.releases.get(release_id)
            if info is None:
                return fake.fixture_reply("discogs/error_404.json", status=404)
            return _rewritten(fake, {**info, "tracklist": self.tracklists.get(release_id, []), "images": [],
                                     "status": "Accepted", "uri": f"https://www.discogs.com/release/{release_id}"})
        return answer


def _rewritten(fake: FakeServices, body: dict) -> Reply:
    """JSON with the real host's absolute URLs pointing at the fake, as the fixtures are served."""
    text = json.dumps(body).replace("https://api.discogs.com", f"{fake.base_url}/discogs")
    return Reply(body=text)
