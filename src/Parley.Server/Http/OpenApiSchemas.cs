namespace Parley.Server.Http;

/// <summary>
/// The schemas of the contract that the server's types do not carry: the problem document, Parley's GeoJSON input
/// model, the answer body and the raw ledger entry (OpenAPI 3.1, i.e. JSON Schema 2020-12).
/// </summary>
internal static class OpenApiSchemas
{
    /// <summary>Schemas added to (or replacing those of) <c>components.schemas</c>, by name.</summary>
    public const string Components = """
    {
      "ProblemDetails": {
        "type": "object",
        "description": "An RFC 9457 problem document (application/problem+json). `errors` names each field at fault (`feature`: the feature's id when there is one); `breaches` lists the terms an operation breaches (type term-breach).",
        "required": ["type", "title", "status"],
        "properties": {
          "type": { "type": "string", "description": "A URI naming the kind of problem: https://parley.invalid/problems/<kind> for Parley's own." },
          "title": { "type": "string" },
          "status": { "type": "integer", "minimum": 400, "maximum": 599 },
          "detail": { "type": "string" },
          "instance": { "type": "string" },
          "trace_id": { "type": "string", "description": "The request's trace identifier, for the center's logs." },
          "errors": { "type": "array", "items": { "$ref": "#/components/schemas/FieldError" } },
          "breaches": { "type": "array", "items": { "$ref": "#/components/schemas/BreachView" } }
        }
      },
      "FieldError": {
        "type": "object",
        "required": ["field", "message"],
        "properties": {
          "feature": { "type": "string", "description": "The id of the feature at fault, when the input is a feature that has one." },
          "field": { "type": "string", "description": "The field, header or query parameter at fault (e.g. `properties.start`, `geometry.coordinates[0][3]`, `If-Match`)." },
          "message": { "type": "string" }
        }
      },
      "BreachView": {
        "type": "object",
        "required": ["term", "reason"],
        "properties": { "term": { "type": "string" }, "reason": { "type": "string" } }
      },
      "Position": {
        "type": "array",
        "description": "WGS84 longitude and latitude in degrees (a third number, an elevation, is read and ignored).",
        "minItems": 2,
        "maxItems": 3,
        "prefixItems": [
          { "type": "number", "minimum": -180, "maximum": 180 },
          { "type": "number", "minimum": -90, "maximum": 90 }
        ],
        "items": { "type": "number" }
      },
      "Ring": {
        "type": "array",
        "description": "A closed ring: the last position repeats the first; no self-intersection.",
        "minItems": 4,
        "items": { "$ref": "#/components/schemas/Position" }
      },
      "Polygon": {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
          "type": { "const": "Polygon" },
          "coordinates": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/Ring" }, "description": "The shell, then holes." }
        }
      },
      "MultiPolygon": {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
          "type": { "const": "MultiPolygon" },
          "coordinates": { "type": "array", "minItems": 1, "items": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/Ring" } } }
        }
      },
      "Point": {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": { "type": { "const": "Point" }, "coordinates": { "$ref": "#/components/schemas/Position" } }
      },
      "LineString": {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": { "type": { "const": "LineString" }, "coordinates": { "type": "array", "minItems": 2, "items": { "$ref": "#/components/schemas/Position" } } }
      },
      "MultiLineString": {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
          "type": { "const": "MultiLineString" },
          "coordinates": { "type": "array", "minItems": 1, "items": { "type": "array", "minItems": 2, "items": { "$ref": "#/components/schemas/Position" } } }
        }
      },
      "Footprint": {
        "type": "object",
        "description": "A Polygon (holes allowed) or MultiPolygon; a Point with `radius_m`; a LineString or MultiLineString (split at the antimeridian) with `corridor_m`.",
        "required": ["type", "coordinates"],
        "properties": {
          "type": { "type": "string", "enum": ["Polygon", "MultiPolygon", "Point", "LineString", "MultiLineString"] },
          "coordinates": { "type": "array", "description": "As RFC 7946 says for the type: positions are [longitude, latitude] in degrees." }
        },
        "if": { "properties": { "type": { "const": "Polygon" } } },
        "then": { "$ref": "#/components/schemas/Polygon" },
        "else": { "if": { "properties": { "type": { "const": "MultiPolygon" } } }, "then": { "$ref": "#/components/schemas/MultiPolygon" },
          "else": { "if": { "properties": { "type": { "const": "Point" } } }, "then": { "$ref": "#/components/schemas/Point" },
            "else": { "if": { "properties": { "type": { "const": "LineString" } } }, "then": { "$ref": "#/components/schemas/LineString" },
              "else": { "if": { "properties": { "type": { "const": "MultiLineString" } } }, "then": { "$ref": "#/components/schemas/MultiLineString" } } } } }
      },
      "Area": {
        "type": "object",
        "description": "A subscription's area: a Polygon or MultiPolygon, checked as a zone's geometry is.",
        "required": ["type", "coordinates"],
        "properties": {
          "type": { "type": "string", "enum": ["Polygon", "MultiPolygon"] },
          "coordinates": { "type": "array" }
        },
        "if": { "properties": { "type": { "const": "Polygon" } } },
        "then": { "$ref": "#/components/schemas/Polygon" },
        "else": { "$ref": "#/components/schemas/MultiPolygon" }
      },
      "VolumeProperties": {
        "type": "object",
        "description": "The 4D volume and disclosure of a zone or operation. Other members are read and ignored.",
        "required": ["kind", "start"],
        "properties": {
          "kind": { "type": "string", "minLength": 1 },
          "owner": { "type": "string", "description": "The declaring party; the caller when absent (a party declares only for itself)." },
          "name": { "type": "string", "maxLength": 200 },
          "alt_min_m": { "type": ["number", "null"], "description": "Lower bound of the altitude band, metres above mean sea level (closed); absent or null: unbounded." },
          "alt_max_m": { "type": ["number", "null"], "description": "Upper bound of the altitude band (closed); absent or null: unbounded." },
          "start": { "type": "string", "format": "date-time", "description": "RFC 3339 with a zone offset." },
          "end": { "type": ["string", "null"], "format": "date-time", "description": "RFC 3339, after `start`; absent or null: open-ended. The window is half-open." },
          "radius_m": { "type": "number", "exclusiveMinimum": 0, "description": "Required with a Point, refused otherwise: geodesic metres." },
          "corridor_m": { "type": "number", "exclusiveMinimum": 0, "description": "Required with a LineString or MultiLineString, refused otherwise: the corridor's half-width, geodesic metres." },
          "visibility": { "type": "string", "enum": ["private", "parties", "public"], "default": "private" },
          "shared_with": { "type": "array", "items": { "type": "string" }, "description": "The parties that see the item when `visibility` is `parties`." }
        }
      },
      "ZoneProperties": {
        "allOf": [
          { "$ref": "#/components/schemas/VolumeProperties" },
          { "type": "object", "properties": { "kind": { "type": "string", "enum": ["protected", "restricted", "designated"] } } }
        ]
      },
      "OperationProperties": {
        "allOf": [
          { "$ref": "#/components/schemas/VolumeProperties" },
          { "type": "object", "properties": { "kind": { "type": "string", "description": "An operation kind of the agreement (its `rules`)." } } }
        ]
      },
      "Id": {
        "type": "string",
        "description": "An id: 1 to 128 ASCII letters, digits, '-', '_', '.', ':' or '~' (so that no id can look like another party's).",
        "pattern": "^[A-Za-z0-9._:~-]{1,128}$"
      },
      "ZoneFeature": {
        "type": "object",
        "description": "A zone as declared: a GeoJSON Feature (RFC 7946) whose id is the zone's id.",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
          "type": { "const": "Feature" },
          "id": { "$ref": "#/components/schemas/Id" },
          "geometry": { "$ref": "#/components/schemas/Footprint" },
          "properties": { "$ref": "#/components/schemas/ZoneProperties" }
        }
      },
      "ZoneFeatureCollection": {
        "type": "object",
        "description": "Several zones declared at once (at most the server's features-per-request limit, 10,000 by default).",
        "required": ["type", "features"],
        "properties": {
          "type": { "const": "FeatureCollection" },
          "features": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/ZoneFeature" } }
        }
      },
      "ZoneDeclaration": {
        "oneOf": [ { "$ref": "#/components/schemas/ZoneFeature" }, { "$ref": "#/components/schemas/ZoneFeatureCollection" } ]
      },
      "OperationFeature": {
        "type": "object",
        "description": "An operation as submitted, checked or counter-proposed: a GeoJSON Feature (RFC 7946) whose id is the operation's id.",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
          "type": { "const": "Feature" },
          "id": { "$ref": "#/components/schemas/Id" },
          "geometry": { "$ref": "#/components/schemas/Footprint" },
          "properties": { "$ref": "#/components/schemas/OperationProperties" }
        }
      },
      "AnswerRequest": {
        "type": "object",
        "description": "The answer to a concurrence request.",
        "required": ["answer"],
        "properties": {
          "answer": { "type": "string", "enum": ["concur", "refuse", "counter-propose"] },
          "reason": { "type": "string", "description": "Why; needed by a refusal and a counter-proposal." },
          "counter": { "$ref": "#/components/schemas/OperationFeature", "description": "With `counter-propose`: the operation proposed instead (the submitter's, with the answering party's concurrence)." }
        }
      },
      "SubscriptionRequest": {
        "type": "object",
        "description": "A subscription as its party asks for it. Unknown members are refused.",
        "required": ["area", "start"],
        "properties": {
          "area": { "$ref": "#/components/schemas/Area" },
          "start": { "type": "string", "format": "date-time" },
          "end": { "type": ["string", "null"], "format": "date-time", "description": "Absent or null: open-ended." },
          "kinds": { "type": ["array", "null"], "items": { "type": "string" }, "description": "Operation kinds of the agreement and zone kinds; absent or empty: every kind." },
          "webhook": { "type": ["string", "null"], "format": "uri", "description": "https://, or http:// to a loopback host; no user, password or fragment." }
        },
        "additionalProperties": false
      },
      "LedgerEntry": {
        "type": "object",
        "description": "A ledger leaf: the exact RFC 8785 canonical JSON bytes hashed into the tree (see docs/ledger.md).",
        "required": ["agreement", "command", "items"],
        "properties": {
          "agreement": { "type": "string" },
          "command": { "type": "string", "description": "What was done, e.g. `zone.declare`, `operation.submit`, `request.answer`." },
          "submitter": { "type": "string" },
          "time": { "type": "string", "format": "date-time" },
          "items": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["owner", "visibility", "commitment"],
              "properties": {
                "owner": { "type": "string" },
                "visibility": { "type": "string" },
                "commitment": { "type": "string", "contentEncoding": "base64", "description": "SHA-256 of the opening." },
                "opening": { "type": "object", "description": "Public items only: `{\"content\": …, \"salt\": …}`." }
              }
            }
          }
        }
      }
    }
    """;
}
