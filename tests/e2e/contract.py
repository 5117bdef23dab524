"""Checks real responses against the OpenAPI document the server itself serves.

Only what Wharf's document uses is understood: $ref, type (or a list of types), required,
properties, additionalProperties: false, and array items.
"""

import re

import requests

JSON_TYPES = {"string": str, "boolean": bool, "integer": int, "number": (int, float),
              "array": list, "object": dict, "null": type(None)}


class Contract:
    def __init__(self, document: dict):
        self._document = document
        self._paths = [(re.compile("^" + re.sub(r"{\w+}", "[^/]+", path) + "$"), path)
                       for path in document["paths"]]

    def problems(self, response: requests.Response) -> list[str]:
        method, path = response.request.method, response.request.path_url.split("?")[0]
        where = f"{method} {path} -> {response.status_code}"
        template = next((t for pattern, t in self._paths if pattern.match(path)), None)
        operation = self._document["paths"].get(template, {}).get(method.lower())
        if operation is None:
            return [f"{where}: operation not in the document"]
        documented = operation["responses"].get(str(response.status_code))
        if documented is None:
            return [f"{where}: status not in the document"]
        content = documented.get("content")
        if not content:
            body = response.text[:80]
            return [f"{where}: undocumented body {body!r}"] if response.content else []
        media = response.headers.get("Content-Type", "").split(";")[0]
        if media not in content:
            return [f"{where}: content type {media!r}, documented {sorted(content)}"]
        return self._check(content[media]["schema"], response.json(), where)

    def _check(self, schema: dict, value, where: str) -> list[str]:
        if "$ref" in schema:
            schema = self._document["components"]["schemas"][schema["$ref"].split("/")[-1]]
        types = schema.get("type", [])
        types = [types] if isinstance(types, str) else types
        if types and not any(_is(value, t) for t in types):
            return [f"{where}: {value!r} is not {' or '.join(types)}"]
        if isinstance(value, dict):
            return self._check_object(schema, value, where)
        if isinstance(value, list) and "items" in schema:
            return [p for i, item in enumerate(value)
                    for p in self._check(schema["items"], item, f"{where}[{i}]")]
        return []

    def _check_object(self, schema: dict, value: dict, where: str) -> list[str]:
        properties = schema.get("properties", {})
        found = [f"{where}: missing {key!r}" for key in schema.get("required", [])
                 if key not in value]
        if schema.get("additionalProperties") is False:
            found += [f"{where}: unexpected {key!r}" for key in value if key not in properties]
        for key, item in value.items():
            if key in properties:
                found += self._check(properties[key], item, f"{where}.{key}")
        return found


def _is(value, json_type: str) -> bool:
    if json_type in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, JSON_TYPES[json_type])
