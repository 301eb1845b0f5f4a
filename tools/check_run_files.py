#!/usr/bin/env python3
"""Checks the files tl wrote against their published JSON Schemas (docs/schema), for CI scripts that
parse them: each RUN directory's summary.json, metrics.jsonl lines and eval_*.json, and a SWEEP
directory's results.json with the runs of its variants.

    python3 tools/check_run_files.py runs/pets sweeps/lr

Exits 0 when every file fits, 1 naming each file, the place in it and what is wrong, 2 when a path
holds no tl files. Needs python3-jsonschema (apt)."""
import json
import pathlib
import sys

import jsonschema

SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "docs" / "schema"


def load_schemas():
    """A validator per schema file, each resolving the others' $id (the summary refers to the metrics line)."""
    schemas = {path.name: json.loads(path.read_text()) for path in SCHEMAS.glob("*.schema.json")}
    try:
        import referencing
    except ImportError:  # jsonschema before 4.18, e.g. Debian bookworm's 4.10: references go through a store
        store = {schema["$id"]: schema for schema in schemas.values()}
        return {name: jsonschema.Draft202012Validator(schema, resolver=jsonschema.RefResolver.from_schema(schema, store=store))
                for name, schema in schemas.items()}
    registry = referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema)) for schema in schemas.values())
    return {name: jsonschema.Draft202012Validator(schema, registry=registry) for name, schema in schemas.items()}


def problems(validator, document, where):
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(top level)"
        yield f"{where}: {place.lstrip('.')}: {error.message}"


def check_run(run, validators):
    found = []
    summary = run / "summary.json"
    if summary.is_file():
        found += problems(validators["summary.schema.json"], json.loads(summary.read_text()), summary)
    metrics = run / "metrics.jsonl"
    if metrics.is_file():
        for number, line in enumerate(metrics.read_text().splitlines(), 1):
            if line.strip():
                found += problems(validators["metrics_line.schema.json"], json.loads(line), f"{metrics} line {number}")
    for evaluation in sorted(run.glob("eval_*.json")):
        found += problems(validators["evaluation.schema.json"], json.loads(evaluation.read_text()), evaluation)
    return found


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    validators = load_schemas()
    found, checked = [], 0
    for path in map(pathlib.Path, paths):
        runs = [path] if (path / "config.json").is_file() else []
        results = path / "results.json"
        if results.is_file():
            document = json.loads(results.read_text())
            found += problems(validators["sweep_results.schema.json"], document, results)
            runs += [pathlib.Path(v["run"]) for v in document.get("variants", []) if (pathlib.Path(v["run"]) / "config.json").is_file()]
            checked += 1
        if not runs and not results.is_file():
            print(f"{path}: neither a run (config.json) nor a sweep (results.json) directory", file=sys.stderr)
            return 2
        for run in runs:
            found += check_run(run, validators)
            checked += 1
    for line in found:
        print(line, file=sys.stderr)
    print(f"{checked} directories checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
