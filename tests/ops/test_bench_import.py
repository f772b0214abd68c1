"""The import benchmark's generated file must be one the real importer accepts in full, or the
benchmark would time the error path instead of the import."""

import importlib.util
from pathlib import Path

from core.importing import run_import
from trainees.importers import TeacherImporter
from trainees.models import Teacher

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import_teachers.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_import_teachers", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_file_imports_every_row(world, tmp_path):
    bench = _bench_module()
    path = tmp_path / "teachers.xlsx"
    bench.generate(path, 300, [world.school_a.code, world.school_b.code])

    with path.open("rb") as stream:
        result = run_import(TeacherImporter(), stream)

    assert [str(e) for e in result.errors] == []
    assert result.created == 300
    assert Teacher.objects.filter(school__in=[world.school_a, world.school_b]).count() == 302
