using System.Data.Common;
using System.Runtime.ExceptionServices;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Storage.Rows;

/// <summary>A zone's or operation's row as both stores keep it: the feature text is what loads.</summary>
internal readonly record struct StoredRow(string Id, long Version, string? State, byte[] Feature);

/// <summary>Reads a text column's UTF-8 bytes, each store in its own cheapest way.</summary>
internal delegate byte[] Utf8Column(DbDataReader reader, int ordinal);

/// <summary>Zones and operations as every store keeps them: the query columns a declaration fills, and its rows read back under their agreement.</summary>
internal static class StoredDeclarations
{
    // Rows read before their features are parsed in parallel; bounds the memory a load holds at once.
    private const int LoadBatchSize = 8192;

    /// <summary>The visibility column's text.</summary>
    public static string VisibilityName(Visibility visibility) => visibility switch
    {
        Visibility.Public => "public",
        Visibility.Parties => "parties",
        Visibility.Private => "private",
        var other => other.ToString(), // refused by the column's CHECK, so an unknown value never lands
    };

    /// <summary>An altitude column's value: null for an unbounded altitude (an infinity in the model, absent in the feature).</summary>
    public static double? Altitude(double metres) => double.IsFinite(metres) ? metres : null;

    /// <summary>The statement that writes a zone's row, with the store's parameter marker <paramref name="p"/> (<c>$</c> or <c>@</c>).</summary>
    public static string UpsertZoneSql(char p) => $"""
        INSERT INTO zones (agreement_id, id, owner, kind, version, visibility, min_x, min_y, max_x, max_y, buffer_m,
                           alt_min_m, alt_max_m, start_ticks, end_ticks, feature_json)
        VALUES ({p}agreement, {p}id, {p}owner, {p}kind, {p}version, {p}visibility, {p}min_x, {p}min_y, {p}max_x, {p}max_y, {p}buffer_m,
                {p}alt_min_m, {p}alt_max_m, {p}start_ticks, {p}end_ticks, {p}feature_json)
        ON CONFLICT (agreement_id, id) DO UPDATE SET
            owner = excluded.owner, kind = excluded.kind, version = excluded.version, visibility = excluded.visibility,
            min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y,
            buffer_m = excluded.buffer_m, alt_min_m = excluded.alt_min_m, alt_max_m = excluded.alt_max_m,
            start_ticks = excluded.start_ticks, end_ticks = excluded.end_ticks, feature_json = excluded.feature_json;
        """;

    /// <summary>The statement that writes an operation's row, with the store's parameter marker <paramref name="p"/> (<c>$</c> or <c>@</c>).</summary>
    public static string UpsertOperationSql(char p) => $"""
        INSERT INTO operations (agreement_id, id, owner, kind, state, version, visibility, min_x, min_y, max_x, max_y,
                                buffer_m, alt_min_m, alt_max_m, start_ticks, end_ticks, feature_json)
        VALUES ({p}agreement, {p}id, {p}owner, {p}kind, {p}state, {p}version, {p}visibility, {p}min_x, {p}min_y, {p}max_x, {p}max_y,
                {p}buffer_m, {p}alt_min_m, {p}alt_max_m, {p}start_ticks, {p}end_ticks, {p}feature_json)
        ON CONFLICT (agreement_id, id) DO UPDATE SET
            owner = excluded.owner, kind = excluded.kind, state = excluded.state, version = excluded.version,
            visibility = excluded.visibility, min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x,
            max_y = excluded.max_y, buffer_m = excluded.buffer_m, alt_min_m = excluded.alt_min_m,
            alt_max_m = excluded.alt_max_m, start_ticks = excluded.start_ticks, end_ticks = excluded.end_ticks,
            feature_json = excluded.feature_json;
        """;

    /// <summary>
    /// Every row of the reader's current result (id, version, state or null, feature text: in that order), each parsed by
    /// <paramref name="parse"/>; the feature's bytes are read by <paramref name="feature"/>.
    /// </summary>
    public static async Task<IReadOnlyList<T>> ReadAsync<T>(DbDataReader reader, Utf8Column feature, Func<StoredRow, T> parse, CancellationToken cancellationToken)
    {
        var result = new List<T>();
        var batch = new List<StoredRow>(LoadBatchSize);
        while (await reader.ReadAsync(cancellationToken))
        {
            batch.Add(new StoredRow(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), feature(reader, 3)));
            if (batch.Count == LoadBatchSize)
            {
                ParseBatch(batch, parse, result, cancellationToken);
                batch.Clear();
            }
        }

        ParseBatch(batch, parse, result, cancellationToken);
        return result;
    }

    /// <summary>Parses a batch of rows into <paramref name="result"/>, in parallel when the batch is large.</summary>
    private static void ParseBatch<T>(List<StoredRow> batch, Func<StoredRow, T> parse, List<T> result, CancellationToken cancellationToken)
    {
        // Parsing and validating each feature costs far more than reading its row, and rows are independent.
        if (batch.Count < 256)
        {
            foreach (var row in batch)
            {
                result.Add(parse(row));
            }

            return;
        }

        var parsed = new T[batch.Count];
        try
        {
            Parallel.For(0, batch.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => parsed[i] = parse(batch[i]));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        result.AddRange(parsed);
    }

    /// <summary>A stored zone, read back under its agreement; <paramref name="where"/> names the store in errors.</summary>
    public static Zone ParseZone(StoredRow row, Agreement agreement, string where)
    {
        IReadOnlyList<Zone> zones;
        try
        {
            using var document = FeatureReader.ParseJson(row.Feature);
            zones = FeatureReader.ReadStoredZones(document.RootElement, agreement);
        }
        catch (InputRejectedException e)
        {
            throw Unreadable("zone", row.Id, agreement, where, e);
        }

        if (zones.Count != 1 || zones[0].Id.Value != row.Id)
        {
            throw Unreadable("zone", row.Id, agreement, where, null);
        }

        return zones[0] with { Version = row.Version };
    }

    /// <summary>A stored operation, read back under its agreement with its state and version.</summary>
    public static Operation ParseOperation(StoredRow row, Agreement agreement, string where)
    {
        IReadOnlyList<Operation> operations;
        OperationState state;
        IReadOnlyList<string> inBreach;
        try
        {
            using var document = FeatureReader.ParseJson(row.Feature);
            operations = FeatureReader.ReadStoredOperations(document.RootElement, agreement);
            state = OperationStates.Parse(row.State!);
            inBreach = OperationStates.InBreach(document.RootElement);
        }
        catch (Exception e) when (e is InputRejectedException or ArgumentException)
        {
            throw Unreadable("operation", row.Id, agreement, where, e);
        }

        if (operations.Count != 1 || operations[0].Id.Value != row.Id)
        {
            throw Unreadable("operation", row.Id, agreement, where, null);
        }

        return operations[0] with { Version = row.Version, State = state, InBreach = inBreach };
    }

    private static InvalidDataException Unreadable(string what, string id, Agreement agreement, string where, Exception? inner)
    {
        var message = $"The stored {what} '{id}' of agreement '{agreement.Id}' in {where} does not read back under the agreement";
        if (inner is InputRejectedException { Errors: [var first, ..] } && first.Field.Contains("geometry", StringComparison.Ordinal))
        {
            // Geometry errors quote coordinates; an exception can end up in a log, so name only the field.
            return new InvalidDataException($"{message}: {first.Field} is no longer valid.");
        }

        return new InvalidDataException(inner is null ? $"{message} (its feature does not match its row)." : $"{message}: {inner.Message}", inner);
    }
}
