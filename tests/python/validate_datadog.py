"""Validate Datadog dashboards against the official API client's models.

usage: python3 validate_datadog.py DASHBOARD.json...

The client never raises on a bad dashboard: a wrong enum, an unknown widget type or a
missing required key only marks the model `_unparsed`, and an unknown key is kept silently.
So this deserializes into `Dashboard`, fails on any unparsed model, and walks the model tree
failing on every key outside a model's `attribute_map`.
Prints one line per problem and exits 1 if there is any.
"""
import json
import sys

from datadog_api_client import Configuration
from datadog_api_client.model_utils import ModelNormal, ModelComposed, ModelSimple, UnparsedObject, validate_and_convert_types
from datadog_api_client.v1.model.dashboard import Dashboard


def walk(model, path, problems):
    if isinstance(model, UnparsedObject):
        problems.append(f"{path}: does not match any model: {str(model._data_store)[:200]}")
        return
    if isinstance(model, list):
        for i, item in enumerate(model):
            walk(item, f"{path}[{i}]", problems)
        return
    if not isinstance(model, (ModelNormal, ModelComposed, ModelSimple)):
        return
    if getattr(model, "_unparsed", False):
        problems.append(f"{path}: unparsed {type(model).__name__}")
    if isinstance(model, ModelSimple):
        return
    known = set(type(model).attribute_map)
    if isinstance(model, ModelComposed):
        inner = model._composed_instances
        if not inner:
            problems.append(f"{path}: {type(model).__name__} matched none of its schemas")
        for instance in inner:
            known |= set(type(instance).attribute_map)
            walk(instance, path, problems)
    for key, value in model._data_store.items():
        if key not in known:
            problems.append(f"{path}.{key}: not an attribute of {type(model).__name__}")
        walk(value, f"{path}.{key}", problems)


def validate(document):
    model = validate_and_convert_types(document, (Dashboard,), ["dashboard"], True, True, configuration=Configuration())
    problems = []
    walk(model, "$", problems)
    return problems


def main():
    failed = False
    for path in sys.argv[1:]:
        with open(path) as f:
            for line in validate(json.load(f)):
                failed = True
                print(f"{path}: {line}")
    sys.exit(1 if failed else 0)


main()
