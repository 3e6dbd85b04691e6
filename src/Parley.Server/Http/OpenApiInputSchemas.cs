namespace Parley.Server.Http;

/// <summary>
/// The request bodies of the contract that the routes read by hand rather than through a bound type: amendments (and
/// their terms), signatures and refusals of amendments, incident reports, replies and grades. Each says the fields,
/// enums, ranges and formats the readers apply (AmendmentReader, TermReader, IncidentReader, IncidentsApi); a body valid
/// here may still be refused for what only the agreement knows (a party, a kind, a term id in use).
/// </summary>
internal static class OpenApiInputSchemas
{
    /// <summary>Schemas added to (or replacing those of) <c>components.schemas</c>, by name; all are inputs (null is allowed where the readers take it as absent).</summary>
    public const string Components = """
    {
      "AmendmentProposal": {
        "type": "object",
        "description": "A proposed amendment. It changes at least one of add_terms, replace_terms, remove_terms, rules, separation, concurrence_deadline_minutes, probing_budget. Unknown members are refused.",
        "required": ["reason", "signing_deadline"],
        "properties": {
          "reason": { "type": "string", "minLength": 1, "maxLength": 2000, "description": "Why the agreement should change (not blank)." },
          "signing_deadline": { "type": "string", "format": "date-time", "description": "RFC 3339: after now and at most 366 days ahead." },
          "effective": {
            "anyOf": [ { "type": "string", "enum": ["on_signature"] }, { "type": "string", "format": "date-time" }, { "type": "null" } ],
            "default": "on_signature",
            "description": "`on_signature` (absent or null: the same): in force at the last signature; or an RFC 3339 time."
          },
          "add_terms": { "type": ["array", "null"], "items": { "$ref": "#/components/schemas/Term" }, "description": "Terms with ids the agreement does not have." },
          "replace_terms": { "type": ["array", "null"], "items": { "$ref": "#/components/schemas/Term" }, "description": "Terms with ids the agreement has." },
          "remove_terms": { "type": ["array", "null"], "items": { "type": "string" }, "description": "Ids of terms of the agreement." },
          "rules": { "type": ["array", "null"], "items": { "$ref": "#/components/schemas/ZoneRule" }, "description": "They replace the agreement's rules." },
          "separation": { "$ref": "#/components/schemas/SeparationChange" },
          "concurrence_deadline_minutes": { "type": ["number", "null"], "minimum": 1, "maximum": 525600 },
          "probing_budget": { "$ref": "#/components/schemas/ProbingBudgetChange" }
        },
        "additionalProperties": false,
        "anyOf": [
          { "required": ["add_terms"] }, { "required": ["replace_terms"] }, { "required": ["remove_terms"] }, { "required": ["rules"] },
          { "required": ["separation"] }, { "required": ["concurrence_deadline_minutes"] }, { "required": ["probing_budget"] }
        ]
      },
      "Term": {
        "type": "object",
        "description": "A term of the agreement: a designated area (operations of the kinds bound may run only inside its areas), a suspension (none may run, in its area or the whole theater), or a limit (at most max_per_day a UTC day). Unknown members are refused.",
        "required": ["id", "type", "parties", "kinds"],
        "properties": {
          "id": { "$ref": "#/components/schemas/Id" },
          "name": { "type": ["string", "null"], "maxLength": 200 },
          "type": { "type": "string", "enum": ["designated-area", "suspension", "limit"] },
          "parties": { "type": "array", "minItems": 1, "items": { "type": "string" }, "description": "The member parties whose operations the term binds." },
          "kinds": { "type": "array", "minItems": 1, "items": { "type": "string" }, "description": "Operation kinds of the agreement that the term binds." },
          "alt_min_m": { "type": ["number", "null"], "minimum": -1000000000, "maximum": 1000000000, "description": "The band the term binds in, metres; absent: unbounded." },
          "alt_max_m": { "type": ["number", "null"], "minimum": -1000000000, "maximum": 1000000000, "description": "At least alt_min_m." },
          "start": { "type": ["string", "null"], "format": "date-time", "description": "The window the term binds in; absent: always." },
          "end": { "type": ["string", "null"], "format": "date-time", "description": "After start; absent: open-ended." },
          "on_breach": { "type": "string", "enum": ["refuse", "concurrence"], "default": "refuse" },
          "areas": {
            "oneOf": [ { "$ref": "#/components/schemas/TermAreaCollection" }, { "$ref": "#/components/schemas/TermAreaFeature" } ],
            "description": "A designated area's areas (required for it, refused otherwise)."
          },
          "area": {
            "oneOf": [ { "$ref": "#/components/schemas/Polygon" }, { "$ref": "#/components/schemas/MultiPolygon" }, { "$ref": "#/components/schemas/TermAreaFeature" } ],
            "description": "A suspension's or a limit's area (absent: the whole theater): a Polygon or MultiPolygon, or a Feature (a circle or a corridor) with no altitude or window of its own."
          },
          "max_per_day": { "type": "integer", "minimum": 0, "maximum": 1000000, "description": "A limit's count (required for it, refused otherwise)." }
        },
        "additionalProperties": false,
        "allOf": [
          { "if": { "properties": { "type": { "const": "designated-area" } } }, "then": { "required": ["areas"], "not": { "anyOf": [ { "required": ["area"] }, { "required": ["max_per_day"] } ] } } },
          { "if": { "properties": { "type": { "const": "suspension" } } }, "then": { "not": { "anyOf": [ { "required": ["areas"] }, { "required": ["max_per_day"] } ] } } },
          { "if": { "properties": { "type": { "const": "limit" } } }, "then": { "required": ["max_per_day"], "not": { "required": ["areas"] } } }
        ]
      },
      "TermAreaFeature": {
        "type": "object",
        "description": "One area of a term: a GeoJSON Feature whose geometry and properties are a zone's (a Point with radius_m, a LineString or MultiLineString with corridor_m). Unknown members are refused.",
        "required": ["type", "geometry"],
        "properties": {
          "type": { "const": "Feature" },
          "id": { "description": "Read and ignored." },
          "bbox": { "type": "array", "items": { "type": "number" } },
          "geometry": { "$ref": "#/components/schemas/Footprint" },
          "properties": {
            "type": ["object", "null"],
            "properties": {
              "radius_m": { "type": "number", "exclusiveMinimum": 0 },
              "corridor_m": { "type": "number", "exclusiveMinimum": 0 },
              "alt_min_m": { "type": ["number", "null"] },
              "alt_max_m": { "type": ["number", "null"] },
              "start": { "type": ["string", "null"], "format": "date-time" },
              "end": { "type": ["string", "null"], "format": "date-time" }
            },
            "additionalProperties": false
          }
        },
        "additionalProperties": false
      },
      "TermAreaCollection": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
          "type": { "const": "FeatureCollection" },
          "bbox": { "type": "array", "items": { "type": "number" } },
          "features": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/TermAreaFeature" } }
        },
        "additionalProperties": false
      },
      "ZoneRule": {
        "type": "object",
        "description": "Which zone kinds an operation kind must keep out of.",
        "required": ["operation"],
        "properties": {
          "operation": { "type": "string", "minLength": 1, "description": "An operation kind of the agreement." },
          "zones": { "type": "array", "items": { "type": "string", "enum": ["protected", "restricted", "designated"] } }
        },
        "additionalProperties": false
      },
      "SeparationChange": {
        "type": ["object", "null"],
        "description": "New separation minima; a side not given keeps its value.",
        "properties": {
          "lateral_m": { "type": "number", "minimum": 0, "maximum": 10000000 },
          "vertical_m": { "type": "number", "minimum": 0, "maximum": 1000000 }
        },
        "additionalProperties": false
      },
      "ProbingBudgetChange": {
        "type": ["object", "null"],
        "description": "A new probing budget; a side not given keeps its value.",
        "properties": {
          "per_hour": { "type": "integer", "minimum": 1, "maximum": 1000000 },
          "per_day": { "type": "integer", "minimum": 1, "maximum": 10000000 }
        },
        "additionalProperties": false
      },
      "AmendmentSignature": {
        "type": "object",
        "description": "The empty object {}: the signed request is the signature.",
        "properties": {},
        "additionalProperties": false
      },
      "AmendmentRefusal": {
        "type": "object",
        "description": "Why the amendment is refused. Nothing else may be sent.",
        "required": ["reason"],
        "properties": { "reason": { "type": "string", "minLength": 1, "maxLength": 2000, "description": "Not blank." } },
        "additionalProperties": false
      },
      "IncidentFeature": {
        "type": "object",
        "description": "An incident report: one GeoJSON Feature (RFC 7946) whose id is the incident's id. The place is a Point or a LineString/MultiLineString with uncertainty_m (more than 0), a Point with location_precision town, district or province, or a Polygon/MultiPolygon the incident lies within.",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
          "type": { "const": "Feature" },
          "id": { "$ref": "#/components/schemas/Id" },
          "geometry": {
            "oneOf": [
              { "$ref": "#/components/schemas/Point" }, { "$ref": "#/components/schemas/LineString" }, { "$ref": "#/components/schemas/MultiLineString" },
              { "$ref": "#/components/schemas/Polygon" }, { "$ref": "#/components/schemas/MultiPolygon" }
            ]
          },
          "properties": { "$ref": "#/components/schemas/IncidentProperties" }
        }
      },
      "IncidentProperties": {
        "type": "object",
        "description": "What was seen, where and when, and whom it is suspected of. Unknown properties are refused by name.",
        "required": ["kind"],
        "properties": {
          "kind": { "type": "string", "enum": ["strike", "shelling", "overflight", "ground-incursion", "obstruction", "other"] },
          "reporter": { "type": ["string", "null"], "description": "When given, the reporting party itself." },
          "uncertainty_m": { "type": ["number", "null"], "minimum": 0, "maximum": 250000, "description": "Metres around a Point or a line (required with them unless location_precision names a place); none (or 0) with a Polygon." },
          "location_precision": { "type": "string", "enum": ["exact", "town", "district", "province"], "default": "exact", "description": "Town, district or province (5, 25, 100 km) go with a Point and no uncertainty_m." },
          "time_precision": { "type": "string", "enum": ["exact", "day", "week", "month"], "default": "exact", "description": "Exact: start and end; day, week or month: one `at` date." },
          "start": { "type": ["string", "null"], "format": "date-time", "description": "With an exact time: RFC 3339." },
          "end": { "type": ["string", "null"], "format": "date-time", "description": "With an exact time: after start, at most 366 days after it." },
          "at": {
            "anyOf": [ { "type": "string", "format": "date" }, { "type": "string", "format": "date-time" }, { "type": "null" } ],
            "description": "With time_precision day, week or month: a date (YYYY-MM-DD), or an RFC 3339 time whose UTC date counts."
          },
          "suspected": { "type": ["array", "null"], "items": { "type": "string" }, "uniqueItems": true, "description": "Member parties other than the reporter; empty or absent: none." },
          "affected_zone": { "type": ["string", "null"], "minLength": 1, "maxLength": 128, "description": "One of the reporter's own zones." },
          "description": { "type": ["string", "null"], "maxLength": 4000 },
          "sources": { "type": ["array", "null"], "maxItems": 50, "items": { "$ref": "#/components/schemas/IncidentSource" } },
          "visibility": { "type": "string", "enum": ["private", "parties", "public"], "default": "private", "description": "Private: the parties concerned and the monitors." },
          "shared_with": { "type": ["array", "null"], "items": { "type": "string" }, "description": "Parties of the agreement; only with visibility `parties`." }
        },
        "additionalProperties": false
      },
      "IncidentSource": {
        "type": "object",
        "required": ["type"],
        "properties": {
          "type": { "type": "string", "enum": ["observer", "witness", "media", "imagery", "official", "party", "other"] },
          "count": { "type": ["integer", "null"], "minimum": 1, "maximum": 100000, "default": 1, "description": "How many independent sources of this type." },
          "ref": { "type": ["string", "null"], "maxLength": 500 },
          "sha256": { "type": ["array", "null"], "maxItems": 100, "items": { "type": "string", "pattern": "^[0-9A-Fa-f]{64}$" }, "description": "SHA-256 hashes of the evidence (Parley keeps the hash, never the file)." }
        },
        "additionalProperties": false
      },
      "ReplyRequest": {
        "type": "object",
        "description": "A suspected party's reply to an incident. Nothing else may be sent.",
        "required": ["reply"],
        "properties": {
          "reply": { "type": "string", "enum": ["admit", "deny", "explain", "request-information"] },
          "reason": { "type": ["string", "null"], "maxLength": 2000, "description": "Required (not blank) to deny." },
          "operation": { "type": ["string", "null"], "maxLength": 128, "description": "With `explain` only, and required with it: one of the party's own declared operations." }
        },
        "additionalProperties": false,
        "allOf": [
          { "if": { "properties": { "reply": { "const": "deny" } } }, "then": { "required": ["reason"], "properties": { "reason": { "type": "string", "minLength": 1 } } } },
          { "if": { "properties": { "reply": { "const": "explain" } } }, "then": { "required": ["operation"], "properties": { "operation": { "type": "string", "minLength": 1 } } } }
        ]
      },
      "GradeRequest": {
        "type": "object",
        "description": "A monitor's or the administrator's grade. Confirmed is no grade: only the suspected party's own admission confirms. Nothing else may be sent.",
        "required": ["grade", "reason"],
        "properties": {
          "grade": { "type": "string", "enum": ["weak", "fair", "contested", "discounted"] },
          "reason": { "type": "string", "minLength": 1, "maxLength": 2000, "description": "Not blank." }
        },
        "additionalProperties": false
      }
    }
    """;
}
