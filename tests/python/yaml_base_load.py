"""Reads a JSON list of YAML documents on stdin and prints, as a JSON list, each one loaded by
PyYAML's BaseLoader (every scalar a string, no type resolution), or {"error": message}."""
import json
import sys

import yaml

results = []
for text in json.load(sys.stdin):
    try:
        results.append({"value": yaml.load(text, Loader=yaml.BaseLoader)})
    except yaml.YAMLError as err:
        results.append({"error": str(err)})
json.dump(results, sys.stdout)
