"""Read the text of report documents again: those whose file has changed, or all of them."""

from django.core.management.base import BaseCommand
from django.db.models import F, Q

from wagtail.documents import get_document_model

from learning.tasks import extract_document_text


class Command(BaseCommand):
    help = (
        "Queue text extraction for every document whose stored text does not belong to its "
        "current file (new, replaced, or never read), or for all documents with --all. With "
        "the default immediate task backend the work is done before the command returns."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Read every document again, even those whose text is up to date "
            "(after the extractor has been improved, for example).",
        )

    def handle(self, *args, **options):
        documents = get_document_model().objects.order_by("pk")
        if not options["all"]:
            documents = documents.filter(Q(file_hash="") | ~Q(text_extracted_hash=F("file_hash")))
        ids = list(documents.values_list("pk", flat=True))
        outcomes: dict[str, int] = {}
        for document_id in ids:
            result = extract_document_text.enqueue(document_id, force=options["all"])
            status = result.return_value["status"] if result.is_finished else "queued"
            outcomes[status] = outcomes.get(status, 0) + 1
        noun = "document" if len(ids) == 1 else "documents"
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        self.stdout.write(f"{len(ids)} {noun}" + (f": {summary}." if summary else "."))
