"""Shared fixtures: the real embedding model (loaded once per session) and a fake for speed."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# One embedding cache for the whole run: every `studybot` process a test starts inherits it, so the
# course is encoded once per test session instead of once per process.
os.environ.setdefault("STUDYBOT_CACHE_DIR", tempfile.mkdtemp(prefix="studybot-test-cache-"))
# The grader's contradiction reader loads a second model: the tests that grade with it ask for it (the
# grading evaluation through the ``contradiction_reader`` fixture, `studybot grade`; the platform process
# tests start the bot with a clean environment, as shipped); the rest grade without it.
os.environ.setdefault("STUDYBOT_CONTRADICTION_READER", "off")
# Likewise /ask's answerability judge: the /ask evaluation asks for it (``ask_judge``), as do the tests of
# its setting and a conversation through the console; the rest ask by the score alone.
os.environ.setdefault("STUDYBOT_ASK_JUDGE", "off")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


class FakeEmbedder:
    """Bag-of-words hashing vectors: deterministic and instant, for tests where meaning doesn't matter."""

    model_name = "fake-bow"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def onnx_export_root() -> Path:
    """Where the session's ONNX export lives: under the shared cache, so `studybot` processes reuse it."""
    return Path(os.environ["STUDYBOT_CACHE_DIR"]) / "onnx"


@pytest.fixture(scope="session")
def real_embedder(onnx_export_root):
    """The real model on the path the bot serves on CPU (ONNX Runtime; STUDYBOT_BACKEND=torch for torch)."""
    from bot.infra.embedder_factory import build_embedder

    return build_embedder(
        device="cpu", backend=os.environ.get("STUDYBOT_BACKEND", "auto"), export_root=onnx_export_root
    )


@pytest.fixture(scope="session")
def torch_embedder():
    from bot.infra.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(device="cpu")


@pytest.fixture(scope="session")
def contradiction_reader(onnx_export_root):
    """The shipped contradiction reader as the bot serves it on the CPU (ONNX Runtime)."""
    from bot.infra.contradiction import DEFAULT_WEIGHTS
    from bot.infra.reader_factory import load_reader

    return load_reader(str(DEFAULT_WEIGHTS), "cpu", str(onnx_export_root))


@pytest.fixture(scope="session")
def ask_judge(onnx_export_root):
    """The shipped answerability judge of /ask as the bot serves it on the CPU (ONNX Runtime, int8)."""
    from bot.app.courses import JUDGE_INT8
    from bot.infra.contradiction import ANSWERABILITY_WEIGHTS
    from bot.infra.reader_factory import load_reader

    return load_reader(str(ANSWERABILITY_WEIGHTS), "cpu", str(onnx_export_root), quantize=JUDGE_INT8)


@pytest.fixture(scope="session")
def course_pack():
    from content.loader import default_pack_path, load_pack

    return load_pack(default_pack_path())


@pytest.fixture(scope="session")
def shipped_marked(real_embedder, course_pack):
    """The shipped course's marked answers over the real model (thousands of answers: encoded once)."""
    from content.marked import marked_answers

    return marked_answers(course_pack, real_embedder)


# --- databases: SQLite files always, PostgreSQL too when STUDYBOT_TEST_DATABASE_URL is set ----------
# Each PostgreSQL test gets its own schema (search_path), so tests never see each other's rows.
import uuid  # noqa: E402

PG_TEST_URL = os.environ.get("STUDYBOT_TEST_DATABASE_URL", "")


def postgres_schema_url(url: str):
    """Yield ``url`` bound to a fresh schema, dropped afterwards."""
    import psycopg

    from storage.db import normalize_url

    schema = f"t_{uuid.uuid4().hex[:16]}"
    parsed = normalize_url(url)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'studybot.db').as_posix()}"
        return
    if not PG_TEST_URL:
        pytest.skip("PostgreSQL tests need STUDYBOT_TEST_DATABASE_URL")
    yield from postgres_schema_url(PG_TEST_URL)


@pytest.fixture
def database(db_url):
    """A migrated database (storage.Database) for the URL under test."""
    from storage.db import Database  # submodules: tests/storage/ shadows the package name in tests
    from storage.migrate import upgrade

    db = Database(db_url)
    upgrade(db)
    yield db
    db.close()


@pytest.fixture
async def h(database):
    """The quiz feature end to end on the database under test (``tests/support/quiz.py``)."""
    from tests.support.quiz import make_harness

    harness = make_harness(database)
    yield harness
    await harness.close()
