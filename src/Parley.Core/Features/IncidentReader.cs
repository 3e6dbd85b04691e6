using System.Globalization;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Features;

/// <summary>
/// Reads an incident report from its GeoJSON Feature, strictly: every error names the field, and a property that is not
/// one of the report's is refused by name (a misspelt <c>suspected</c> must not silently leave the incident unanswered).
/// </summary>
/// <remarks>
/// Properties: <c>kind</c> (strike, shelling, overflight, ground-incursion, obstruction, other); the place: the geometry
/// (Point or LineString/MultiLineString with <c>uncertainty_m</c>, a Point with <c>location_precision</c> town, district
/// or province instead, or a Polygon/MultiPolygon within which it happened); the time: <c>start</c> and <c>end</c>
/// (<c>time_precision</c> absent or exact), or <c>time_precision</c> day, week or month with one <c>at</c> date;
/// <c>suspected</c> (member parties), <c>affected_zone</c> (the reporter's own zone), <c>description</c>, <c>sources</c>
/// (<c>type</c>, <c>count</c>, <c>ref</c>, <c>sha256</c>), <c>visibility</c> and <c>shared_with</c>; <c>reporter</c>, when
/// given, must be the caller.
/// </remarks>
public static class IncidentReader
{
    /// <summary>The properties a report may carry.</summary>
    public static readonly IReadOnlyList<string> Properties =
    [
        "kind", "reporter", "uncertainty_m", "location_precision", "start", "end", "at", "time_precision", "suspected",
        "affected_zone", "description", "sources", "visibility", "shared_with",
    ];

    private static readonly string[] SourceFields = ["type", "count", "ref", "sha256"];

    /// <summary>Largest uncertainty radius or half-width, in metres (a province is 100 km).</summary>
    public const double MaxUncertaintyMetres = 250_000;

    /// <summary>Longest window an exact time may span.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    /// <summary>Reads one report, made by <paramref name="reporter"/>, under <paramref name="agreement"/>.</summary>
    /// <param name="feature">The report, a GeoJSON Feature.</param>
    /// <param name="agreement">The rules it is read under.</param>
    /// <param name="reporter">The reporting party.</param>
    /// <param name="stored">A report accepted before (the ledger's): its id is read under the rule before the id grammar.</param>
    /// <exception cref="InputRejectedException">Anything is wrong; every error names its field.</exception>
    public static IncidentReport Read(JsonElement feature, Agreement agreement, PartyId reporter, bool stored = false)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        try
        {
            return ReadChecked(feature, agreement, reporter, stored);
        }
        catch (InvalidOperationException)
        {
            throw new InputRejectedException(new InputError(null, "$", "a string holds an invalid \\u escape (a lone UTF-16 surrogate)"));
        }
    }

    /// <summary>Reads back a record <see cref="IncidentWriter.WriteRecord"/> wrote (the stores' and the ledger's form).</summary>
    /// <exception cref="InvalidDataException">The record does not read back under <paramref name="agreement"/>.</exception>
    public static Incident ReadRecord(JsonElement record, Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        try
        {
            var report = record.GetProperty("report");
            var reporter = new PartyId(report.GetProperty("properties").GetProperty("reporter").GetString()!);
            return new Incident
            {
                Report = Read(report, agreement, reporter),
                Reported = Instant(record.GetProperty("reported")),
                ReplyDeadline = Instant(record.GetProperty("reply_deadline")),
                Audience = PartyList(record.GetProperty("audience")),
                Correlation = ReadCorrelation(record.GetProperty("correlation")),
                Replies = [.. record.GetProperty("replies").EnumerateArray().Select(ReadReply)],
                Grades = [.. record.GetProperty("grades").EnumerateArray().Select(g => new IncidentGrading(
                    new PartyId(g.GetProperty("by").GetString()!), Parse<IncidentGrade>(g.GetProperty("grade").GetString(), IncidentNames.TryParse),
                    g.GetProperty("reason").GetString()!, Instant(g.GetProperty("at"))))],
                Silences = [.. record.GetProperty("silences").EnumerateArray().Select(s => new IncidentSilence(
                    new PartyId(s.GetProperty("party").GetString()!), Instant(s.GetProperty("recorded"))))],
                Version = record.GetProperty("version").GetInt64(),
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or InputRejectedException or NullReferenceException)
        {
            throw new InvalidDataException($"an incident record does not read back: {e.Message}", e);
        }
    }

    /// <summary>Reads a reply <see cref="IncidentWriter.WriteReply"/> wrote.</summary>
    /// <exception cref="KeyNotFoundException">A field is missing.</exception>
    /// <exception cref="FormatException">A field does not read.</exception>
    public static IncidentReply ReadReply(JsonElement r) => new(
        new PartyId(r.GetProperty("party").GetString()!), Parse<ReplyKind>(r.GetProperty("reply").GetString(), IncidentNames.TryParse),
        r.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null,
        r.TryGetProperty("operation", out var op) && op.ValueKind == JsonValueKind.String ? new OperationId(op.GetString()!) : null,
        Instant(r.GetProperty("at")));

    /// <summary>Reads a correlation <see cref="IncidentWriter.WriteCorrelation"/> wrote.</summary>
    /// <exception cref="KeyNotFoundException">A field is missing.</exception>
    /// <exception cref="FormatException">A field does not read.</exception>
    public static IncidentCorrelation ReadCorrelation(JsonElement c) => new(
        [.. c.GetProperty("sites").EnumerateArray().Select(s => new SiteAffected(
            new ZoneId(s.GetProperty("zone").GetString()!), new PartyId(s.GetProperty("owner").GetString()!),
            ZoneKinds.TryParse(s.GetProperty("kind").GetString(), out var kind) ? kind : throw new FormatException("a site's kind"),
            VisibilityNamed(s.GetProperty("visibility").GetString()), PartyList(s.GetProperty("shared_with")),
            s.GetProperty("exact").GetBoolean(), s.GetProperty("named").GetBoolean(), Cell(s.GetProperty("cell"))))],
        [.. c.GetProperty("declarations").EnumerateArray().Select(d => new DeclarationMatched(
            new OperationId(d.GetProperty("operation").GetString()!), new PartyId(d.GetProperty("owner").GetString()!),
            d.GetProperty("kind").GetString()!, OperationStates.Parse(d.GetProperty("state").GetString()!),
            VisibilityNamed(d.GetProperty("visibility").GetString()), PartyList(d.GetProperty("shared_with")), Cell(d.GetProperty("cell"))))],
        [.. c.GetProperty("terms").EnumerateArray().Select(t => new TermBreached(t.GetProperty("term").GetString()!, t.GetProperty("reason").GetString()!))]);

    private delegate bool TryParser<T>(string? text, out T value);

    private static T Parse<T>(string? text, TryParser<T> parse) =>
        parse(text, out var value) ? value : throw new FormatException($"'{text}' is not a {typeof(T).Name}");

    private static Visibility VisibilityNamed(string? text) => text switch
    {
        "private" => Model.Visibility.Private,
        "parties" => Model.Visibility.Parties,
        "public" => Model.Visibility.Public,
        _ => throw new FormatException($"'{text}' is not a visibility"),
    };

    private static GeoBox Cell(JsonElement cell) =>
        new(cell[0].GetDouble(), cell[1].GetDouble(), cell[2].GetDouble(), cell[3].GetDouble());

    private static List<PartyId> PartyList(JsonElement array) => [.. array.EnumerateArray().Select(p => new PartyId(p.GetString()!))];

    private static DateTimeOffset Instant(JsonElement text) =>
        FeatureReader.TryParseTime(text.GetString(), out var time) ? time : throw new FormatException($"'{text}' is not an RFC 3339 time");

    private static IncidentReport ReadChecked(JsonElement f, Agreement agreement, PartyId reporter, bool stored)
    {
        var errors = new List<InputError>();
        if (f.ValueKind != JsonValueKind.Object)
        {
            throw new InputRejectedException(new InputError(null, "$", "expected a GeoJSON Feature object"));
        }

        string? id = f.TryGetProperty("id", out var idElement) ? idElement.ValueKind switch
        {
            JsonValueKind.String => idElement.GetString(),
            JsonValueKind.Number => idElement.GetRawText(),
            _ => null,
        } : null;

        void Error(string field, string message) => errors.Add(new InputError(id, field, message));

        if (!f.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "Feature")
        {
            Error("type", "must be \"Feature\" (one incident per report)");
        }

        if (string.IsNullOrEmpty(id))
        {
            Error("id", "required: a string that identifies the incident, such as inc-2026-12-07-01");
        }
        else if (stored ? id.Length > 128 || id.Any(char.IsControl) || id.Contains('/') : !IdGrammar.IsValid(id))
        {
            string why = IdGrammar.Refusal(id) ?? $"must be {IdGrammar.Description}";
            id = FeatureReader.Clip(id, 128);
            Error("id", why);
        }

        if (!f.TryGetProperty("properties", out var props) || props.ValueKind != JsonValueKind.Object)
        {
            Error("properties", "required: an object with kind, the time, and the other fields of the report");
            throw new InputRejectedException(errors);
        }

        foreach (var property in props.EnumerateObject())
        {
            if (!Properties.Contains(property.Name))
            {
                Error("properties." + FeatureReader.Clip(property.Name), $"unknown property ({string.Join(", ", Properties)})");
            }
        }

        var kind = IncidentKind.Other;
        if (!props.TryGetProperty("kind", out var k) || k.ValueKind != JsonValueKind.String)
        {
            Error("properties.kind", $"required: one of {string.Join(", ", IncidentNames.Kinds)}");
        }
        else if (!IncidentNames.TryParse(k.GetString(), out kind))
        {
            Error("properties.kind", $"unknown incident kind '{FeatureReader.Clip(k.GetString()!)}' ({string.Join(", ", IncidentNames.Kinds)})");
        }

        if (props.TryGetProperty("reporter", out var r) && r.ValueKind != JsonValueKind.Null &&
            (r.ValueKind != JsonValueKind.String || r.GetString() != reporter.Value))
        {
            Error("properties.reporter", "when given, must be the reporting party itself");
        }

        var (area, locationPrecision) = ReadPlace(f, props, agreement, id, errors);
        var (window, timePrecision) = ReadTime(props, id, errors);
        var suspected = ReadSuspected(props, agreement, reporter, id, errors);

        ZoneId? affected = null;
        if (props.TryGetProperty("affected_zone", out var a) && a.ValueKind != JsonValueKind.Null)
        {
            if (a.ValueKind != JsonValueKind.String || a.GetString() is not { Length: > 0 and <= 128 } zone)
            {
                Error("properties.affected_zone", "must be the id of one of the reporter's own zones");
            }
            else
            {
                affected = new ZoneId(zone);
            }
        }

        string? description = null;
        if (props.TryGetProperty("description", out var d) && d.ValueKind != JsonValueKind.Null)
        {
            if (d.ValueKind != JsonValueKind.String || d.GetString()!.Length > 4000)
            {
                Error("properties.description", "must be a string of at most 4,000 characters");
            }
            else
            {
                description = d.GetString();
            }
        }

        var sources = ReadSources(props, id, errors);
        var (visibility, shared) = ReadVisibility(props, agreement, id, errors);

        if (errors.Count > 0 || area is null || window is null)
        {
            throw new InputRejectedException(errors.Count > 0 ? errors : [new InputError(id, "$", "incomplete report")]);
        }

        return new IncidentReport
        {
            Id = new IncidentId(id!), Reporter = reporter, Kind = kind, Area = area, LocationPrecision = locationPrecision,
            Window = window.Value, TimePrecision = timePrecision, Suspected = suspected, AffectedZone = affected,
            Description = description, Sources = sources, Visibility = visibility, SharedWith = shared,
        };
    }

    private static (Shape? Area, LocationPrecision Precision) ReadPlace(JsonElement f, JsonElement props, Agreement agreement, string? id, List<InputError> errors)
    {
        void Error(string field, string message) => errors.Add(new InputError(id, field, message));

        if (!f.TryGetProperty("geometry", out var g) || g.ValueKind != JsonValueKind.Object)
        {
            Error("geometry", "required: a Point or LineString with uncertainty_m, a Point with location_precision, or a Polygon the incident lies within");
            return (null, LocationPrecision.Exact);
        }

        string? geometryType = g.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        bool polygonal = geometryType is "Polygon" or "MultiPolygon";
        bool buffered = geometryType is "Point" or "LineString" or "MultiLineString";
        if (!polygonal && !buffered)
        {
            Error("geometry.type", "must be Point, LineString, MultiLineString, Polygon or MultiPolygon");
            return (null, LocationPrecision.Exact);
        }

        var precision = LocationPrecision.Exact;
        bool precisionGiven = false;
        if (props.TryGetProperty("location_precision", out var lp) && lp.ValueKind != JsonValueKind.Null)
        {
            precisionGiven = true;
            if (lp.ValueKind != JsonValueKind.String || !IncidentNames.TryParse(lp.GetString(), out precision))
            {
                Error("properties.location_precision", "must be exact, town, district or province");
                return (null, LocationPrecision.Exact);
            }
        }

        double? uncertainty = FeatureReader.ReadNumber(props, "uncertainty_m", "", id, errors);
        if (uncertainty is { } u && (u < 0 || u > MaxUncertaintyMetres))
        {
            Error("properties.uncertainty_m", $"must be between 0 and {MaxUncertaintyMetres:0} metres");
            return (null, precision);
        }

        double buffer;
        if (precision != LocationPrecision.Exact)
        {
            if (geometryType != "Point")
            {
                Error("properties.location_precision", "town, district and province go with a Point: the place named");
                return (null, precision);
            }

            if (uncertainty is not null)
            {
                Error("properties.uncertainty_m", "give either uncertainty_m or location_precision, not both");
                return (null, precision);
            }

            buffer = IncidentNames.RadiusMetres(precision);
        }
        else if (polygonal)
        {
            if (uncertainty is > 0)
            {
                Error("properties.uncertainty_m", "a Polygon is itself the area the incident lies within: draw it wider instead");
                return (null, precision);
            }

            buffer = 0;
        }
        else if (uncertainty is not > 0)
        {
            Error("properties.uncertainty_m", precisionGiven
                ? "required with an exact Point or LineString: the uncertainty in metres (more than 0)"
                : "required with a Point or LineString: the uncertainty in metres (more than 0), or location_precision town, district or province");
            return (null, precision);
        }
        else
        {
            buffer = uncertainty.Value;
        }

        // The geometry reader takes a point's radius and a line's half-width from the properties it is given: the
        // uncertainty is handed to it under those names, and its errors are named after the report's own field.
        string bufferField = geometryType == "Point" ? "radius_m" : "corridor_m";
        using var synthetic = JsonDocument.Parse(polygonal ? "{}" : string.Create(CultureInfo.InvariantCulture, $"{{\"{bufferField}\":{buffer:R}}}"));
        var geometryErrors = new List<InputError>();
        var shape = GeometryReader.Read(g, synthetic.RootElement, "", id, agreement.MaxVerticesPerFeature, geometryErrors);
        foreach (var e in geometryErrors)
        {
            errors.Add(e.Field is "properties.radius_m" or "properties.corridor_m" ? e with { Field = "properties.uncertainty_m" } : e);
        }

        return (geometryErrors.Count > 0 ? null : shape, precision);
    }

    private static (TimeWindow? Window, TimePrecision Precision) ReadTime(JsonElement props, string? id, List<InputError> errors)
    {
        void Error(string field, string message) => errors.Add(new InputError(id, field, message));

        var precision = TimePrecision.Exact;
        if (props.TryGetProperty("time_precision", out var tp) && tp.ValueKind != JsonValueKind.Null &&
            (tp.ValueKind != JsonValueKind.String || !IncidentNames.TryParse(tp.GetString(), out precision)))
        {
            Error("properties.time_precision", "must be exact, day, week or month");
            return (null, TimePrecision.Exact);
        }

        bool hasStart = props.TryGetProperty("start", out var s) && s.ValueKind != JsonValueKind.Null;
        bool hasEnd = props.TryGetProperty("end", out var e) && e.ValueKind != JsonValueKind.Null;
        bool hasAt = props.TryGetProperty("at", out var at) && at.ValueKind != JsonValueKind.Null;
        if (precision == TimePrecision.Exact)
        {
            if (hasAt)
            {
                Error("properties.at", "goes with time_precision day, week or month; an exact time is a start and an end");
            }

            DateTimeOffset? start = Time(s, hasStart, "start", id, errors), end = Time(e, hasEnd, "end", id, errors);
            if (start is null || end is null)
            {
                return (null, precision);
            }

            if (end <= start)
            {
                Error("properties.end", "must be after start");
                return (null, precision);
            }

            if (end.Value - start.Value > MaxWindow)
            {
                Error("properties.end", "an exact window spans at most 366 days: give time_precision month instead");
                return (null, precision);
            }

            return (new TimeWindow(start.Value, end), precision);
        }

        if (hasStart || hasEnd)
        {
            Error(hasStart ? "properties.start" : "properties.end", $"time_precision {IncidentNames.Name(precision)} takes one 'at' date, not start and end");
            return (null, precision);
        }

        if (!hasAt || at.ValueKind != JsonValueKind.String || !TryDate(at.GetString(), out var date))
        {
            Error("properties.at", "required with time_precision day, week or month: a date such as 2026-12-07 (or an RFC 3339 time, whose UTC date counts)");
            return (null, precision);
        }

        return (Widen(date, precision), precision);
    }

    /// <summary>The whole UTC day, ISO week (Monday to Monday) or calendar month of <paramref name="date"/>.</summary>
    public static TimeWindow Widen(DateOnly date, TimePrecision precision)
    {
        var day = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return precision switch
        {
            TimePrecision.Day => new TimeWindow(day, day.AddDays(1)),
            TimePrecision.Week => new TimeWindow(day.AddDays(-(((int)date.DayOfWeek + 6) % 7)), day.AddDays(7 - (((int)date.DayOfWeek + 6) % 7))),
            TimePrecision.Month => new TimeWindow(day.AddDays(1 - date.Day), day.AddDays(1 - date.Day).AddMonths(1)),
            _ => throw new ArgumentOutOfRangeException(nameof(precision), "an exact time is a window already"),
        };
    }

    private static bool TryDate(string? text, out DateOnly date)
    {
        if (text is not null && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            return true;
        }

        if (FeatureReader.TryParseTime(text, out var time))
        {
            date = DateOnly.FromDateTime(time.UtcDateTime);
            return true;
        }

        date = default;
        return false;
    }

    private static DateTimeOffset? Time(JsonElement value, bool given, string field, string? id, List<InputError> errors)
    {
        if (!given)
        {
            errors.Add(new InputError(id, "properties." + field, "required: an RFC 3339 time such as 2026-12-07T08:10:00Z (or give time_precision day, week or month with 'at')"));
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && FeatureReader.TryParseTime(value.GetString(), out var time))
        {
            return time;
        }

        errors.Add(new InputError(id, "properties." + field, "must be an RFC 3339 time with a zone offset, such as 2026-12-07T08:10:00Z"));
        return null;
    }

    private static List<PartyId> ReadSuspected(JsonElement props, Agreement agreement, PartyId reporter, string? id, List<InputError> errors)
    {
        var suspected = new List<PartyId>();
        if (!props.TryGetProperty("suspected", out var sp) || sp.ValueKind == JsonValueKind.Null)
        {
            return suspected;
        }

        if (sp.ValueKind != JsonValueKind.Array || sp.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
        {
            errors.Add(new InputError(id, "properties.suspected", "must be an array of party ids (empty: no party is suspected)"));
            return suspected;
        }

        int i = 0;
        foreach (var x in sp.EnumerateArray())
        {
            var party = new PartyId(x.GetString()!);
            string field = $"properties.suspected[{i++}]";
            if (agreement.Parties.Count > 0 && agreement.FindParty(party) is null)
            {
                errors.Add(new InputError(id, field, $"unknown party '{FeatureReader.Clip(party.Value)}'"));
            }
            else if (agreement.FindParty(party) is { Role: not PartyRole.Member })
            {
                errors.Add(new InputError(id, field, $"'{party}' is not a member party: only members declare and operate"));
            }
            else if (party == reporter)
            {
                errors.Add(new InputError(id, field, "a reporter does not suspect itself"));
            }
            else if (suspected.Contains(party))
            {
                errors.Add(new InputError(id, field, $"'{party}' is named twice"));
            }
            else
            {
                suspected.Add(party);
            }
        }

        return suspected;
    }

    private static List<IncidentSource> ReadSources(JsonElement props, string? id, List<InputError> errors)
    {
        var sources = new List<IncidentSource>();
        if (!props.TryGetProperty("sources", out var sp) || sp.ValueKind == JsonValueKind.Null)
        {
            return sources;
        }

        if (sp.ValueKind != JsonValueKind.Array || sp.GetArrayLength() > 50)
        {
            errors.Add(new InputError(id, "properties.sources", "must be an array of at most 50 sources"));
            return sources;
        }

        int i = 0;
        foreach (var source in sp.EnumerateArray())
        {
            string path = $"properties.sources[{i++}]";
            if (source.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new InputError(id, path, "must be an object with type, count, ref and sha256"));
                continue;
            }

            int before = errors.Count;
            foreach (var field in source.EnumerateObject().Where(p => !SourceFields.Contains(p.Name)))
            {
                errors.Add(new InputError(id, $"{path}.{FeatureReader.Clip(field.Name)}", $"unknown field ({string.Join(", ", SourceFields)})"));
            }

            string? sourceType = source.TryGetProperty("type", out var st) && st.ValueKind == JsonValueKind.String ? st.GetString() : null;
            if (sourceType is null || !IncidentNames.SourceTypes.Contains(sourceType))
            {
                errors.Add(new InputError(id, path + ".type", $"required: one of {string.Join(", ", IncidentNames.SourceTypes)}"));
            }

            int count = 1;
            if (source.TryGetProperty("count", out var c) && c.ValueKind != JsonValueKind.Null &&
                (c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out count) || count is < 1 or > 100_000))
            {
                errors.Add(new InputError(id, path + ".count", "must be a whole number of independent sources from 1 to 100,000"));
            }

            string? reference = null;
            if (source.TryGetProperty("ref", out var rf) && rf.ValueKind != JsonValueKind.Null)
            {
                if (rf.ValueKind != JsonValueKind.String || rf.GetString()!.Length > 500)
                {
                    errors.Add(new InputError(id, path + ".ref", "must be a string of at most 500 characters"));
                }
                else
                {
                    reference = rf.GetString();
                }
            }

            var hashes = new List<string>();
            if (source.TryGetProperty("sha256", out var h) && h.ValueKind != JsonValueKind.Null)
            {
                if (h.ValueKind != JsonValueKind.Array || h.GetArrayLength() > 100)
                {
                    errors.Add(new InputError(id, path + ".sha256", "must be an array of at most 100 SHA-256 hashes (64 hex digits each)"));
                }
                else
                {
                    int j = 0;
                    foreach (var hash in h.EnumerateArray())
                    {
                        string? text = hash.ValueKind == JsonValueKind.String ? hash.GetString() : null;
                        if (text is not { Length: 64 } || !text.All(char.IsAsciiHexDigit))
                        {
                            errors.Add(new InputError(id, $"{path}.sha256[{j}]", "must be a SHA-256 hash: 64 hex digits (Parley keeps the hash, never the file)"));
                        }
                        else
                        {
                            hashes.Add(text.ToLowerInvariant());
                        }

                        j++;
                    }
                }
            }

            if (errors.Count == before)
            {
                sources.Add(new IncidentSource(sourceType!, count, reference, hashes));
            }
        }

        return sources;
    }

    private static (Visibility Visibility, List<PartyId> Shared) ReadVisibility(JsonElement props, Agreement agreement, string? id, List<InputError> errors)
    {
        var visibility = Visibility.Private;
        if (props.TryGetProperty("visibility", out var v) && v.ValueKind != JsonValueKind.Null)
        {
            switch (v.ValueKind == JsonValueKind.String ? v.GetString() : null)
            {
                case "private": visibility = Visibility.Private; break;
                case "parties": visibility = Visibility.Parties; break;
                case "public": visibility = Visibility.Public; break;
                default:
                    errors.Add(new InputError(id, "properties.visibility", "must be \"private\" (the parties concerned and the monitors), \"parties\" or \"public\""));
                    break;
            }
        }

        var shared = new List<PartyId>();
        if (props.TryGetProperty("shared_with", out var sw) && sw.ValueKind != JsonValueKind.Null)
        {
            if (sw.ValueKind != JsonValueKind.Array || sw.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                errors.Add(new InputError(id, "properties.shared_with", "must be an array of party ids"));
            }
            else
            {
                foreach (var x in sw.EnumerateArray())
                {
                    var party = new PartyId(x.GetString()!);
                    if (!agreement.HasParty(party))
                    {
                        errors.Add(new InputError(id, "properties.shared_with", $"unknown party '{FeatureReader.Clip(party.Value)}'"));
                    }
                    else if (!shared.Contains(party))
                    {
                        shared.Add(party);
                    }
                }
            }

            if (visibility != Visibility.Parties && shared.Count > 0)
            {
                errors.Add(new InputError(id, "properties.shared_with", "only meaningful with visibility \"parties\""));
            }
        }

        return (visibility, shared);
    }
}
