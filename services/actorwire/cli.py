"""The ``actorwire`` command line: ingest, workers, the dashboard, offline enrichment, topics, schemas,
training, dead-letter replay."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from actorwire.settings import get_settings

SHARED_DATA = Path("../shared/data")


class _Commands(click.Group):
    """The command group; a setting that cannot take its value ends the command with one line per
    problem, named as the environment variable that sets it, instead of a traceback (operations
    trial: 34 lines of traceback before the message)."""

    def invoke(self, ctx: click.Context):
        from pydantic import ValidationError

        from actorwire.settings import Settings

        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            if exc.title != Settings.__name__:
                raise
            prefix, nested = Settings.model_config["env_prefix"], Settings.model_config["env_nested_delimiter"]
            problems = "; ".join(f"{prefix}{nested.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
            raise click.ClickException(f"invalid settings: {problems}") from None


@click.group(cls=_Commands)
@click.option("-v", "--verbose", is_flag=True, help="debug logging")
def main(verbose: bool) -> None:
    """Streaming actor NLP for news: entities, canonical actors, target sentiment and stance."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.WARNING)


@main.group()
def topics() -> None:
    """Manage the project's Kafka topics."""


@topics.command("create")
@click.option("--partitions", type=int, default=None, help="partitions per topic (default: settings, 6)")
def topics_create(partitions: int | None) -> None:
    """Create the topics of the settings (news.raw ... news.actor-aggregates) if missing."""
    from actorwire.admin import create_topics

    created = asyncio.run(create_topics(get_settings(), partitions))
    click.echo(f"created: {', '.join(created)}" if created else "all topics exist")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--topic", default=None, help="target topic (default: news.raw)")
def ingest(inputs: tuple[str, ...], topic: str | None) -> None:
    """Publish articles from files, directories, feeds or '-' (stdin) to news.raw, keyed by uri; an
    input that gives no article (unreadable, no feed entries, not UTF-8 text) or is too large to
    send is named on stderr and the command exits 1 after publishing the rest."""
    from actorwire.ingest.service import publish

    count, left_out = asyncio.run(publish(get_settings(), inputs, topic))
    click.echo(f"published {count} records")
    for problem in left_out:
        click.echo(f"not published: {problem}", err=True)
    if left_out:
        raise click.ClickException(f"{len(left_out)} input(s) not published (listed above); the rest was")


@main.command()
@click.argument("name", type=click.Choice(["entities", "sentiment"]))
def worker(name: str) -> None:
    """Run one stream worker (its own process and consumer group) until SIGTERM or Ctrl-C."""
    import signal

    # SIGTERM while the models load (nothing in flight yet) exits 0 at once; the running worker
    # replaces this with its graceful stop
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    from actorwire.service import run_worker
    from actorwire.streaming import SystemicFailure

    try:
        run_worker(name, get_settings())
    except SystemicFailure as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
def dashboard() -> None:
    """Aggregate news.actors per actor and window into news.actor-aggregates, and serve the live web
    dashboard (http://127.0.0.1:8088/ by default) until SIGTERM or Ctrl-C."""
    import signal

    # SIGTERM while the aggregates are read back (nothing in flight yet) exits 0 at once; the
    # running consumer replaces this with its graceful stop
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    from actorwire.dashboard.service import run_dashboard

    run_dashboard(get_settings())


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="enriched articles, one JSON per line ('-' for stdout)")
@click.option("--dead-letter", "dead_letter_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write rejected inputs here (JSON lines) instead of failing")
@click.option("--batch-size", type=int, default=None)
def enrich(inputs: tuple[str, ...], output: Path, dead_letter_path: Path | None, batch_size: int | None) -> None:
    """Run the whole pipeline in-process, without Kafka (backfills, evaluation, debugging)."""
    from actorwire.offline import enrich_files

    stats = enrich_files(get_settings(), inputs, output, dead_letter_path, batch_size)
    click.echo(json.dumps(stats), err=True)
    if stats["dead_lettered"] and dead_letter_path is None:
        raise SystemExit(1)


@main.command()
@click.option("--limit", type=int, default=None, help="stop after this many articles")
@click.option("--timeout", type=float, default=None, help="stop after this many seconds without a record")
@click.option("--from-beginning", is_flag=True, help="read news.enriched from its start")
@click.option("--json", "as_json", is_flag=True, help="print each enriched article's full JSON, one per line")
def watch(limit: int | None, timeout: float | None, from_beginning: bool, as_json: bool) -> None:
    """Print a readable summary of each enriched article as it arrives (or its full JSON); Ctrl-C ends it (exit 0)."""
    from actorwire.watch import watch_enriched

    asyncio.run(watch_enriched(get_settings(), limit, timeout, from_beginning, as_json))


@main.command()
@click.option("--check", is_flag=True, help="fail if schemas/ differs from the models")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"))
def schemas(check: bool, out: Path) -> None:
    """Write the JSON Schemas of every message (generated from the pydantic models)."""
    from actorwire.schema_export import write_schemas

    stale = write_schemas(out, check=check)
    if check and stale:
        raise click.ClickException(f"schemas out of date: {', '.join(stale)} (run `actorwire schemas`)")
    click.echo("schemas up to date" if check else f"wrote {out}")


@main.group()
def train() -> None:
    """Train the models this project ships."""


def training_command(name: str, data: Path, epochs: int):
    """``actorwire train NAME`` with the options every training command takes: ``--data``, ``--out``
    (default: the packaged ``models/NAME``), ``--work-dir`` (``runs/NAME``: log and checkpoint),
    ``--epochs``, ``--seed``, ``--threads``, ``--resume``."""
    options = [
        click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=data),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help=f"artifact directory (default: the packaged models/{name})"),
        click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs") / name),
        click.option("--epochs", type=int, default=epochs),
        click.option("--seed", type=int, default=13),
        click.option("--threads", type=int, default=2),
        click.option("--resume", is_flag=True, help="continue from work-dir/checkpoint.pt"),
    ]

    def wrap(f):
        for option in reversed(options):
            f = option(f)
        return train.command(name)(f)
    return wrap


@training_command("ner", SHARED_DATA / "conll2003", epochs=6)
@click.option("--no-casing", is_flag=True, help="ablation: keep the casing embedding at zero")
@click.option("--train-splits", default="train,valid", show_default=True,
              help="comma-separated CoNLL splits to train on; with 'valid' among them the last epoch is kept")
def train_ner(data: Path, out: Path | None, work_dir: Path, epochs: int, seed: int, threads: int, resume: bool,
              no_casing: bool, train_splits: str) -> None:
    """Fine-tune the MiniLM NER tagger on CoNLL-2003; prints the kept epoch's validation metrics as JSON."""
    from actorwire.entities.ner import NER_MODEL_DIR
    from actorwire.training.ner import train as train_tagger

    best = train_tagger(data, out or NER_MODEL_DIR, work_dir, epochs=epochs, seed=seed, threads=threads, resume=resume,
                        casing=not no_casing, train_splits=tuple(train_splits.split(",")))
    click.echo(json.dumps(best))


@training_command("tsc", SHARED_DATA / "newsmtsc", epochs=3)
def train_tsc(data: Path, out: Path | None, work_dir: Path, epochs: int, seed: int, threads: int, resume: bool) -> None:
    """Fine-tune the NewsMTSC target-sentiment classifier; prints the final dev-rw-half metrics as JSON."""
    from actorwire.sentiment.tsc import TSC_MODEL_DIR
    from actorwire.training.tsc import train as train_classifier

    click.echo(json.dumps(train_classifier(data, out or TSC_MODEL_DIR, work_dir, epochs=epochs, seed=seed,
                                           threads=threads, resume=resume)))


@train.command("soup")
@click.argument("members", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="artifact directory to write (may be one of the members)")
def train_soup(members: tuple[Path, ...], out: Path) -> None:
    """Average trained artifacts of one recipe (different seeds) into one model of the same cost
    (a uniform model soup); prints the soup's meta.json. Refit the calibration of a souped TSC model."""
    from actorwire.training.soup import soup

    try:
        click.echo(json.dumps(soup(members, out)))
    except ValueError as e:
        raise click.ClickException(str(e)) from e


@train.command("calibration")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=SHARED_DATA / "persent" / "dev.csv", help="PerSenT csv to fit on")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="calibration file (default: calibration.json beside the packaged models/tsc)")
def train_calibration(data: Path, out: Path | None) -> None:
    """Fit the article-level calibration of actor sentiment on PerSenT; prints the fit summary as JSON.

    It fits the packaged target-sentiment model's outputs: refit after retraining that model."""
    from actorwire.encoder import CALIBRATION_FILE
    from actorwire.sentiment.tsc import TSC_MODEL_DIR
    from actorwire.training.calibration import fit

    settings = get_settings().model_copy(update={"sentiment_model": "minilm"})
    click.echo(json.dumps(fit(settings, data, out or TSC_MODEL_DIR / CALIBRATION_FILE)))


@training_command("dsa", SHARED_DATA / "directed_sentiment_dsa", epochs=2)
def train_dsa(data: Path, out: Path | None, work_dir: Path, epochs: int, seed: int, threads: int, resume: bool) -> None:
    """Fine-tune the DSA directed-sentiment (stance) classifier; prints the best valid metrics as JSON."""
    from actorwire.sentiment.directed import DSA_MODEL_DIR
    from actorwire.training.dsa import train as train_classifier

    click.echo(json.dumps(train_classifier(data, out or DSA_MODEL_DIR, work_dir, epochs=epochs, seed=seed,
                                           threads=threads, resume=resume)))


@training_command("attribution", SHARED_DATA / "polnear", epochs=1)
@click.option("--limit", type=int, default=None, help="train on the first N training articles only")
def train_attribution(data: Path, out: Path | None, work_dir: Path, epochs: int, seed: int, threads: int, resume: bool,
                      limit: int | None) -> None:
    """Fine-tune the PolNeAR quote-attribution tagger; prints the best dev metrics as JSON."""
    from actorwire.sentiment.attribution import ATTRIBUTION_MODEL_DIR
    from actorwire.training.attribution import train as train_tagger

    click.echo(json.dumps(train_tagger(data, out or ATTRIBUTION_MODEL_DIR, work_dir, epochs=epochs, seed=seed,
                                       threads=threads, resume=resume, limit=limit)))


@main.group("eval")
def evaluate() -> None:
    """Evaluate models on held-out data; prints one JSON line."""


@evaluate.command("ner")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=SHARED_DATA / "conll2003" / "test.txt",
              help="a CoNLL-2003 file, or a folder holding test.txt")
@click.option("--model", type=click.Choice(["minilm", "spacy"]), default=None)
def eval_ner(data: Path, model: str | None) -> None:
    """Entity-level micro F1 (exact span and label) of the pipeline's mentions on CoNLL documents."""
    from actorwire.offline import evaluate_ner

    settings = get_settings()
    if model:
        settings = settings.model_copy(update={"ner_model": model})
    path = data / "test.txt" if data.is_dir() else data
    click.echo(json.dumps(evaluate_ner(settings, path)))


@evaluate.command("tsc")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=SHARED_DATA / "newsmtsc")
@click.option("--model-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="artifact to evaluate (default: the packaged models/tsc)")
def eval_tsc(data: Path, model_dir: Path | None) -> None:
    """Macro-F1 of the target-sentiment model on NewsMTSC test-rw and test-mt, run as the pipeline
    runs it (``sentiment_inference``)."""
    from actorwire.sentiment.tsc import TSC_MODEL_DIR
    from actorwire.training.tsc import evaluate_packaged

    click.echo(json.dumps(evaluate_packaged(data, model_dir or TSC_MODEL_DIR, get_settings().sentiment_inference)))


@evaluate.command("persent")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=SHARED_DATA / "persent" / "random_test.csv",
              help="a PerSenT csv (dev.csv, random_test.csv)")
@click.option("--model", type=click.Choice(["minilm", "vader"]), default=None, help="sentiment model (default: settings)")
@click.option("--limit", type=int, default=None, help="first N documents only")
@click.option("--no-calibration", is_flag=True, help="the plain mean of the mention distributions, uncalibrated")
def eval_persent(data: Path, model: str | None, limit: int | None, no_calibration: bool) -> None:
    """Macro-F1 of the main person's document-level sentiment against PerSenT's human labels."""
    from actorwire.offline import evaluate_persent

    settings = get_settings()
    if model:
        settings = settings.model_copy(update={"sentiment_model": model})
    click.echo(json.dumps(evaluate_persent(settings, data, limit, calibrate=not no_calibration)))


@evaluate.command("attribution")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=SHARED_DATA / "polnear")
@click.option("--model-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="artifact to evaluate (default: the packaged models/attribution)")
def eval_attribution(data: Path, model_dir: Path | None) -> None:
    """Source, cue and content span F1 (exact and overlap) of the tagger and of the lexicon rules on PolNeAR test."""
    from actorwire.sentiment.attribution import ATTRIBUTION_MODEL_DIR
    from actorwire.training.attribution import evaluate_packaged

    click.echo(json.dumps(evaluate_packaged(data, model_dir or ATTRIBUTION_MODEL_DIR)))


@evaluate.command("dsa")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=SHARED_DATA / "directed_sentiment_dsa")
@click.option("--model-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="artifact to evaluate (default: the packaged models/dsa)")
def eval_dsa(data: Path, model_dir: Path | None) -> None:
    """Macro-F1 (five classes) of the stance model, run as the pipeline runs it (``stance_inference``),
    and of the lexicon rules on DSA test."""
    from actorwire.sentiment.directed import DSA_MODEL_DIR
    from actorwire.training.dsa import evaluate_packaged

    click.echo(json.dumps(evaluate_packaged(data, model_dir or DSA_MODEL_DIR, get_settings().stance_inference)))


@main.group()
def deadletter() -> None:
    """Work with the dead-letter topic (news.deadletter)."""


@deadletter.command("replay")
@click.option("--stage", type=click.Choice(["entities", "sentiment", "dashboard"]), default=None,
              help="only letters of this worker")
@click.option("--error-class", default=None, help="only letters with this error class, e.g. RuntimeError")
@click.option("--reason-contains", default=None, help="only letters whose reason contains this text")
@click.option("--since", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]), default=None,
              help="only letters written at or after this time (without a zone: UTC)")
@click.option("--limit", type=int, default=None, help="replay at most this many")
@click.option("--dry-run", is_flag=True, help="list the letters that would be replayed, publish nothing")
def deadletter_replay(stage: str | None, error_class: str | None, reason_contains: str | None, since: datetime | None,
                      limit: int | None, dry_run: bool) -> None:
    """Republish the original records of dead letters to the topics they came from: one JSON line each
    with where the letter lies, where its original came from (``source``) and where it went
    (``replayed_to``; null on a dry run)."""
    from actorwire.deadletter import Selection, replay

    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    chosen = asyncio.run(replay(get_settings(), Selection(stage, error_class, reason_contains), since, limit, dry_run))
    for item in chosen:
        click.echo(json.dumps({"dead_letter": item.letter.model_dump(), "source": item.source.model_dump(),
                               "replayed_to": item.republished.model_dump() if item.republished else None,
                               "reason": item.reason}))
    click.echo(f"{'would replay' if dry_run else 'replayed'} {len(chosen)} dead letter{'' if len(chosen) == 1 else 's'}",
               err=True)
