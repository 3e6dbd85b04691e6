using System.Text.Json;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Ledger.Entries.Compliance;

/// <summary>
/// The two facts nearly every entry carries, an operation's change of state and a concurrence request's state, read in one
/// pass of a JSON reader: they are most of a ledger's facts, and reading them through a document was most of the time a
/// recomputation from an export took. Any other fact is read by <see cref="ReadFact.Of"/> as before.
/// </summary>
internal static class StateFact
{
    /// <summary>The operation or request fact an opening states, or null when it states another (or none).</summary>
    /// <exception cref="JsonException">The opening is not JSON.</exception>
    /// <exception cref="KeyNotFoundException">A member the fact needs is missing.</exception>
    /// <exception cref="FormatException">A time or a state does not read.</exception>
    public static ReadFact? TryRead(byte[] opening)
    {
        var reader = new Utf8JsonReader(opening);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        Fields fields = default;
        bool content = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("content"u8))
            {
                reader.Skip();
                continue;
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            content = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                fields.Read(ref reader);
            }
        }

        if (!content || fields.Type is not (ComplianceFacts.OperationType or ComplianceFacts.RequestType))
        {
            return null;
        }

        var audience = new FactAudience(Need(fields.Owner, "owner"), Need(fields.Visibility, "visibility") == "public", fields.SharedWith ?? []);
        return fields.Type switch
        {
            ComplianceFacts.OperationType => new OperationRead(
                audience.Owner,
                fields.From is { } from ? (sbyte)OperationStates.Parse(from) : fields.HasFrom ? (sbyte)-1 : throw new KeyNotFoundException("no from"),
                (sbyte)OperationStates.Parse(Need(fields.State, "state")),
                Need(fields.At, "at"),
                audience),
            ComplianceFacts.RequestType => new RequestRead(
                Need(fields.Id, "id"), Need(fields.Submitter, "submitter"), Need(fields.Affected, "affected"),
                Need(fields.Opened, "opened"), Need(fields.Deadline, "deadline"),
                (byte)RequestStates.Parse(Need(fields.State, "state")),
                fields.Closed ?? (fields.HasClosed ? long.MaxValue : throw new KeyNotFoundException("no closed")),
                audience),
            _ => throw new InvalidOperationException("not an operation or request fact"),
        };
    }

    private static T Need<T>(T? value, string name) where T : class => value ?? throw new KeyNotFoundException("no " + name);

    private static long Need(long? value, string name) => value ?? throw new KeyNotFoundException("no " + name);

    /// <summary>The members of a fact's content that these two facts use; the others are skipped.</summary>
    private struct Fields
    {
        public string? Type, Owner, Visibility, State, From, Id, Submitter, Affected;
        public long? At, Opened, Deadline, Closed;
        public bool HasClosed, HasFrom;
        public List<string>? SharedWith;

        public void Read(ref Utf8JsonReader reader)
        {
            // Canonical names are never escaped; an escaped one is unescaped first (none of these names is longer than
            // 11 bytes, so one whose escaped form is longer than 66 is none of them).
            Span<byte> unescaped = reader.ValueIsEscaped ? stackalloc byte[66] : default;
            var name = !reader.ValueIsEscaped ? reader.ValueSpan
                : reader.ValueSpan.Length <= unescaped.Length ? unescaped[..reader.CopyString(unescaped)]
                : [];
            switch (name.Length)
            {
                case 2 when name.SequenceEqual("at"u8): At = Time(ref reader); return;
                case 2 when name.SequenceEqual("id"u8): Id = Text(ref reader); return;
                case 4 when name.SequenceEqual("type"u8): Type = Kind(ref reader); return;
                case 4 when name.SequenceEqual("from"u8): HasFrom = true; From = TextOrNull(ref reader); return;
                case 5 when name.SequenceEqual("owner"u8): Owner = Text(ref reader); return;
                case 5 when name.SequenceEqual("state"u8): State = Text(ref reader); return;
                case 6 when name.SequenceEqual("opened"u8): Opened = Time(ref reader); return;
                case 6 when name.SequenceEqual("closed"u8): ReadClosed(ref reader); return;
                case 8 when name.SequenceEqual("affected"u8): Affected = Text(ref reader); return;
                case 8 when name.SequenceEqual("deadline"u8): Deadline = Time(ref reader); return;
                case 9 when name.SequenceEqual("submitter"u8): Submitter = Text(ref reader); return;
                case 10 when name.SequenceEqual("visibility"u8): Visibility = Text(ref reader); return;
                case 11 when name.SequenceEqual("shared_with"u8): ReadSharedWith(ref reader); return;
                default: reader.Skip(); return;
            }
        }

        private void ReadClosed(ref Utf8JsonReader reader)
        {
            HasClosed = true;
            Closed = TextOrNull(ref reader) is { } closed ? LedgerTime.Parse(closed, assumeUniversal: true).UtcTicks : null;
        }

        private void ReadSharedWith(ref Utf8JsonReader reader)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new FormatException("shared_with is not an array");
            }

            SharedWith = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                SharedWith.Add(reader.GetString() ?? throw new FormatException("shared_with holds a null"));
            }
        }

        // The two types this reads, without a string for either; any other is kept as it is written.
        private static string? Kind(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.ValueTextEquals("operation-fact"u8) ? ComplianceFacts.OperationType
                : reader.ValueTextEquals("request-fact"u8) ? ComplianceFacts.RequestType
                : reader.GetString();
        }

        private static string Text(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.GetString() ?? throw new FormatException("a string is null");
        }

        private static string? TextOrNull(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.GetString();
        }

        private static long Time(ref Utf8JsonReader reader) => LedgerTime.Parse(Text(ref reader), assumeUniversal: true).UtcTicks;
    }
}
