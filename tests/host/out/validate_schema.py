#!/usr/bin/python3
"""Validate JSON lines against a sigprobe JSON Schema (host/out/schema).

usage: validate_schema.py SCHEMA FILE...   ('-' reads stdin)
Prints one line per invalid line (file:line: reason) and exits 1 when any is
invalid, 0 when all are valid. Needs python3-jsonschema (Debian).
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = lines = 0
    for path in argv[2:]:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            lines += 1
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as e:
                bad += 1
                print(f"{path}:{n}: not JSON: {e}")
                continue
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
            if errors:
                bad += 1
                where = "/".join(str(p) for p in errors[0].path)
                print(f"{path}:{n}: {where}: {errors[0].message}")
    print(f"{lines} lines, {bad} invalid", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
