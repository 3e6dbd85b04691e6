using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Features;

/// <summary>
/// Writes an agreement in the form <see cref="AgreementReader"/> reads: what every party of the agreement may read of the
/// version in force, and the part of it that only an amendment changes.
/// </summary>
public static class AgreementWriter
{
    /// <summary>
    /// The agreement as JSON text every party may read: its rules, terms and settings, and each party's id, name, role and
    /// public keys (no identity provider's file path). It reads back to the same rules, terms and settings.
    /// </summary>
    public static string ToJson(Agreement agreement) => Written(w => Write(w, agreement));

    /// <summary>Writes <see cref="ToJson"/>'s object.</summary>
    public static void Write(Utf8JsonWriter w, Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(agreement);
        w.WriteStartObject();
        w.WriteString("id", agreement.Id.Value);
        w.WriteString("name", agreement.Name);
        w.WriteNumber("version", agreement.Version);
        w.WriteStartArray("parties");
        foreach (var party in agreement.Parties)
        {
            w.WriteStartObject();
            w.WriteString("id", party.Id.Value);
            w.WriteString("name", party.Name);
            w.WriteString("role", party.Role switch { PartyRole.Member => "member", PartyRole.Observer => "observer", _ => "admin" });
            if (party.SigningKeys.Count > 0)
            {
                Strings(w, "signing_keys", party.SigningKeys);
            }

            if (party.WitnessKey is not null)
            {
                w.WriteString("witness_key", party.WitnessKey);
            }

            if (party.WebhookNetworks.Count > 0)
            {
                Strings(w, "webhook_networks", party.WebhookNetworks);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteGoverned(w, agreement);
        w.WriteNumber("max_vertices", agreement.MaxVerticesPerFeature);
        w.WriteNumber("disclosure_resolution_m", agreement.DisclosureResolutionMetres);
        w.WriteNumber("disclosure_time_resolution_minutes", agreement.DisclosureTimeResolution.TotalMinutes);
        w.WriteNumber("signature_window_s", agreement.SignatureWindow.TotalSeconds);
        w.WriteString("token_audience", agreement.TokenAudience);
        w.WriteNumber("token_clock_skew_s", agreement.TokenClockSkew.TotalSeconds);
        w.WriteEndObject();
    }

    /// <summary>
    /// What only an amendment changes, as canonical text: the signatories, operation kinds, rules, separation minima,
    /// concurrence deadline, probing budget and terms. Two agreements with the same text here run the same pact.
    /// </summary>
    public static string GovernedJson(Agreement agreement) => Written(w =>
    {
        w.WriteStartObject();
        WriteGoverned(w, agreement);
        w.WriteEndObject();
    });

    private static void WriteGoverned(Utf8JsonWriter w, Agreement agreement)
    {
        Strings(w, "signatories", agreement.Signatories.Select(p => p.Value));
        Strings(w, "operation_kinds", agreement.OperationKinds);
        Strings(w, "airborne_kinds", agreement.AirborneKinds);
        w.WriteStartArray("rules");
        foreach (var rule in agreement.ZoneRules)
        {
            w.WriteStartObject();
            w.WriteString("operation", rule.OperationKind);
            Strings(w, "zones", rule.ZoneKinds.Select(ZoneKinds.Name));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("separation");
        w.WriteNumber("lateral_m", agreement.Separation.LateralMetres);
        w.WriteNumber("vertical_m", agreement.Separation.VerticalMetres);
        w.WriteEndObject();
        w.WriteNumber("concurrence_deadline_minutes", agreement.ConcurrenceDeadline.TotalMinutes);
        w.WriteNumber("incident_reply_deadline_hours", agreement.IncidentReplyDeadline.TotalHours);
        w.WriteStartObject("probing_budget");
        w.WriteNumber("per_hour", agreement.ProbingBudget.PerHour);
        w.WriteNumber("per_day", agreement.ProbingBudget.PerDay);
        w.WriteEndObject();
        w.WriteStartArray("terms");
        foreach (var term in agreement.Terms)
        {
            WriteTerm(w, term);
        }

        w.WriteEndArray();
    }

    /// <summary>A term as JSON text, in the form the agreement's <c>terms</c> take.</summary>
    public static string TermJson(Term term) => Written(w => WriteTerm(w, term));

    /// <summary>Writes a term in the form the agreement's <c>terms</c> take.</summary>
    public static void WriteTerm(Utf8JsonWriter w, Term term)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(term);
        w.WriteStartObject();
        w.WriteString("id", term.Id);
        if (term.Name is not null)
        {
            w.WriteString("name", term.Name);
        }

        w.WriteString("type", TermNames.Name(term.Type));
        Strings(w, "parties", term.Parties.Select(p => p.Value));
        Strings(w, "kinds", term.Kinds);
        Scope(w, term.Altitude, term.Window);
        w.WriteString("on_breach", TermNames.Name(term.OnBreach));
        switch (term.Type)
        {
            case TermType.DesignatedArea:
                w.WriteStartObject("areas");
                w.WriteString("type", "FeatureCollection");
                w.WriteStartArray("features");
                foreach (var volume in term.Areas)
                {
                    WriteArea(w, volume.Footprint, volume.Altitude, volume.Time);
                }

                w.WriteEndArray();
                w.WriteEndObject();
                break;
            default:
                if (term.Type == TermType.Limit)
                {
                    w.WriteNumber("max_per_day", term.MaxPerDay);
                }

                if (term.Area is { } area)
                {
                    w.WritePropertyName("area");
                    if (area.Kind == ShapeKind.Polygonal)
                    {
                        FeatureWriter.WriteGeometry(w, area);
                    }
                    else
                    {
                        WriteArea(w, area, TermScope.AnyAltitude, TermScope.Always);
                    }
                }

                break;
        }

        w.WriteEndObject();
    }

    private static void WriteArea(Utf8JsonWriter w, Shape footprint, AltitudeBand altitude, TimeWindow window)
    {
        w.WriteStartObject();
        w.WriteString("type", "Feature");
        w.WritePropertyName("geometry");
        FeatureWriter.WriteGeometry(w, footprint);
        w.WriteStartObject("properties");
        if (footprint.Kind == ShapeKind.Point)
        {
            w.WriteNumber("radius_m", footprint.BufferMetres);
        }
        else if (footprint.Kind == ShapeKind.Line)
        {
            w.WriteNumber("corridor_m", footprint.BufferMetres);
        }

        Scope(w, altitude, window);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Scope(Utf8JsonWriter w, AltitudeBand altitude, TimeWindow window)
    {
        if (double.IsFinite(altitude.MinMetres))
        {
            w.WriteNumber("alt_min_m", altitude.MinMetres);
        }

        if (double.IsFinite(altitude.MaxMetres))
        {
            w.WriteNumber("alt_max_m", altitude.MaxMetres);
        }

        if (!TermScope.StartsAtAnyTime(window))
        {
            w.WriteString("start", FeatureWriter.Time(window.Start));
        }

        if (window.End is { } end)
        {
            w.WriteString("end", FeatureWriter.Time(end));
        }
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static string Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
