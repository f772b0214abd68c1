"""Benchmark: issuing a sub-project's 结业证书 in one batch (render, store, zip), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/certificates.py
        [--sizes 100,1000]

In a scratch database of its own (bench/_scratch.py: made here, dropped at the end) builds one county
with a finished sub-project per size (every trainee completed, all sessions attended), then runs each
batch in a fresh process: certificates.services.issue_run, the same code as the Celery task (serials,
one WeasyPrint PDF per certificate with its QR code and the county's seal, atomic file writes, the
zip of all). Prints per size the wall time, PDFs per second and the process's peak RSS, then the
largest size's peak against the smallest's (target ≤ 1.2×: memory does not grow with the batch).
Files go to a temporary media directory, removed at the end.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._scratch import maxrss_mb, migrate, scratch_database, scratch_name, setup_django  # noqa: E402

SESSIONS = 4


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (300, 300), (200, 0, 0, 160)).save(out, format="PNG")
    return out.getvalue()


def generate(sizes: list[int]) -> dict[int, int]:
    """One county, a school per 100 trainees, one sub-project per size; returns size → sub-project id."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from attendance.models import AttendanceRecord, Status
    from certificates.models import CountyCertificateSettings
    from programs.models import Category, Enrolment, Level, Program, Session, SubProject
    from trainees.idcard import check_digit
    from trainees.models import Region, School, Teacher

    province = Region.objects.create(name="基准省", level=Region.Level.PROVINCE)
    city = Region.objects.create(name="基准市", level=Region.Level.CITY, parent=province)
    county = Region.objects.create(name="基准县", level=Region.Level.COUNTY, parent=city, code="340000")
    row = CountyCertificateSettings(county=county, issuing_unit="基准县教师发展中心", signatory="赵主任")
    row.seal.save("seal.png", ContentFile(_png()), save=False)
    row.save()
    category = Category.objects.create(name="基准类别")
    program = Program.objects.create(
        county=county, year=2026, level=Level.COUNTY, category=category, name="基准培训项目", status="finished"
    )
    subprojects, serial = {}, 0
    for size in sizes:
        sub = SubProject.objects.create(
            program=program,
            name=f"基准子项目{size}",
            hours=24,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2026, 9, 3),
        )
        sessions = Session.objects.bulk_create(
            Session(
                subproject=sub,
                date=dt.date(2026, 9, 1),
                start_time=dt.time(8 + 2 * i),
                end_time=dt.time(9 + 2 * i),
                hours=6,
            )
            for i in range(SESSIONS)
        )
        teachers = []
        for i in range(size):
            if i % 100 == 0:
                school = School.objects.create(
                    code=f"B{size}-{i // 100}",
                    name=f"基准学校{size}-{i // 100}",
                    county=county,
                    kind="primary",
                    area="rural",
                )
            serial += 1
            first17 = f"34{serial:04d}19850615{serial % 1000:03d}"
            teachers.append(
                Teacher(
                    name=f"欧阳{'明华志强'[i % 4]}{i}",
                    id_number=first17 + check_digit(first17),
                    gender="M",
                    birth_date=dt.date(1985, 6, 15),
                    school=school,
                )
            )
        teachers = Teacher.objects.bulk_create(teachers)
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(subproject=sub, teacher=t, school_id=t.school_id, status=Enrolment.Status.COMPLETED)
            for t in teachers
        )
        AttendanceRecord.objects.bulk_create(
            (AttendanceRecord(session=s, enrolment=e, status=Status.PRESENT) for e in enrolments for s in sessions),
            batch_size=5000,
        )
        subprojects[size] = sub.pk
    return subprojects


def run_batch(subproject_id: int) -> None:
    """Child process: warm the renderer with one document (font scan), then time the batch."""
    from certificates import pdf, services
    from certificates.models import Certificate, IssueJob
    from programs.models import SubProject

    sub = SubProject.objects.select_related("program__county").get(pk=subproject_id)
    pdf.render_pdf("certificates/pdf/signin.html", {"session": None, "subproject": sub, "schools": [], "unit": ""})
    job = services.issue_request_for_command(subproject=sub, county=sub.program.county)
    started = time.perf_counter()
    job = services.issue_run(job_id=job.pk)
    wall = time.perf_counter() - started
    assert job.status == IssueJob.Status.DONE, job.error
    issued = Certificate.objects.filter(enrolment__subproject=sub).count()
    assert issued == job.issued, (issued, job.issued)
    print(f"{wall:.3f} {job.issued} {maxrss_mb():.1f} {Path(job.file.path).stat().st_size}")


def _child(*argv: str, media: str) -> str:
    env = {**os.environ, "PEIXUN_VAR_DIR": media}
    result = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True, env=env)
    if result.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--phase", choices=["generate", "batch"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--subproject", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.phase:
        with scratch_database("certificates", database=args.database) as url:
            setup_django(url)
            if args.phase == "generate":
                migrate()
                print(" ".join(f"{size}:{pk}" for size, pk in generate(sizes).items()))
            else:
                run_batch(args.subproject)
        return
    peaks = {}
    with (
        tempfile.TemporaryDirectory(prefix="peixun-bench-certificates-") as media,
        scratch_database("certificates") as url,
    ):
        database = scratch_name("certificates")
        assert url.endswith(database)
        started = time.perf_counter()
        out = _child("--database", database, "--phase", "generate", "--sizes", args.sizes, media=media).split()
        ids = dict(item.split(":") for item in out[-len(sizes) :])
        print(f"== certificates: one county, batches of {', '.join(map(str, sizes))} completed trainees "
              f"(generated in {time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
        for size in sizes:
            wall, issued, peak, zip_bytes = _child(
                "--database", database, "--phase", "batch", "--subproject", ids[str(size)], media=media
            ).split()[-4:]
            wall, issued, peak = float(wall), int(issued), float(peak)
            peaks[size] = peak
            print(f"  batch of {size:5}: issued {issued:5}  wall {wall:8.2f} s  {issued / wall:6.1f} PDFs/s  "
                  f"peak RSS {peak:7.1f} MB  zip {int(zip_bytes) / 1e6:.1f} MB", flush=True)  # fmt: skip
    small, large = min(peaks), max(peaks)
    if small != large:
        print(f"peak RSS at {large} / at {small}: {peaks[large] / peaks[small]:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
