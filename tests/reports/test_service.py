"""The report service without HTTP, on both backends."""

from __future__ import annotations

from geohub.reports.categories import load_categories
from geohub.reports.model import Status
from geohub.reports.service import NewReport, ReportService
from geohub.reports.tables import report_photos, report_status_changes, reports
from geohub.services import Services
from geohub.settings import Settings


def test_an_older_records_database_gains_the_report_tables(settings: Settings) -> None:
    services = Services.from_settings(settings)
    try:
        with services.records.transaction() as conn:  # as a database made before reports existed
            report_photos.drop(conn)
            report_status_changes.drop(conn)
            reports.drop(conn)
        service = ReportService(services, load_categories(services.registry.departments))
        filing = service.file(NewReport("road_damage", "A deep pothole in the right lane.", 76.95, 43.25))
        assert filing.report is not None and filing.secret
        assert service.get(filing.report.tracking_id).status is Status.registered
        # no layers published in this store: no district, no address, the category's default department
        assert (filing.report.district, filing.report.address) == (None, None)
        assert filing.report.department == "passenger_transport"
        assert [c.to_status for c in service.history(filing.report.tracking_id)] == [Status.registered]
    finally:
        services.close()
