"""Validate Grafana dashboards against Grafana's JSON schemas (grafana-foundation-sdk).

usage: python3 validate_grafana.py SCHEMA_DIR DASHBOARD.json...

The dashboard schema leaves a panel's targets, options and field config open, so each
Prometheus target is also checked against prometheus.jsonschema.json, and each panel's
options and custom field config against its kind's schema (Options, FieldConfig). A panel
kind without a schema here fails: the generator must only emit kinds it can prove.
Prints one line per error and exits 1 if there is any.
"""
import json
import os
import sys

from jsonschema import Draft7Validator

KINDS = {"timeseries": "GraphFieldConfig", "heatmap": "FieldConfig", "stat": "FieldConfig"}


def load(schema_dir, name):
    with open(os.path.join(schema_dir, name + ".jsonschema.json")) as f:
        return json.load(f)


def errors(schema, instance, ref=None):
    if ref:
        schema = {"$schema": schema.get("$schema"), "definitions": schema["definitions"],
                  "$ref": "#/definitions/" + ref}
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in Draft7Validator(schema).iter_errors(instance)]


def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def validate(schema_dir, dashboard):
    found = [f"dashboard {e}" for e in errors(load(schema_dir, "dashboard"), dashboard)]
    prometheus = load(schema_dir, "prometheus")
    for panel in panels(dashboard.get("panels", [])):
        where = f"panel {panel.get('id')} ({panel.get('type')})"
        for target in panel.get("targets", []):
            found += [f"{where} target {e}" for e in errors(prometheus, target)]
        kind = panel.get("type")
        if kind == "row":
            continue
        if kind not in KINDS:
            found.append(f"{where}: no schema for this panel kind")
            continue
        schema = load(schema_dir, kind)
        found += [f"{where} options {e}" for e in errors(schema, panel.get("options", {}), "Options")]
        custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
        if custom is not None:
            found += [f"{where} custom {e}" for e in errors(schema, custom, KINDS[kind])]
    return found


def main():
    schema_dir, paths = sys.argv[1], sys.argv[2:]
    failed = False
    for path in paths:
        with open(path) as f:
            for line in validate(schema_dir, json.load(f)):
                failed = True
                print(f"{path}: {line}")
    sys.exit(1 if failed else 0)


main()
