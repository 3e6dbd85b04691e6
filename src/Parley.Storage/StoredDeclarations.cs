using System.Runtime.ExceptionServices;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Storage;

/// <summary>A zone's or operation's row as both stores keep it: the feature text is what loads.</summary>
internal readonly record struct StoredRow(string Id, long Version, string? State, byte[] Feature);

/// <summary>Reading stored zones and operations back under their agreement, the same way in every store.</summary>
internal static class StoredDeclarations
{
    /// <summary>Parses a batch of rows into <paramref name="result"/>, in parallel when the batch is large.</summary>
    public static void ParseBatch<T>(List<StoredRow> batch, Func<StoredRow, T> parse, List<T> result, CancellationToken cancellationToken)
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
            zones = FeatureReader.ReadZones(document.RootElement, agreement);
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
        try
        {
            using var document = FeatureReader.ParseJson(row.Feature);
            operations = FeatureReader.ReadOperations(document.RootElement, agreement);
            state = OperationStates.Parse(row.State!);
        }
        catch (Exception e) when (e is InputRejectedException or ArgumentException)
        {
            throw Unreadable("operation", row.Id, agreement, where, e);
        }

        if (operations.Count != 1 || operations[0].Id.Value != row.Id)
        {
            throw Unreadable("operation", row.Id, agreement, where, null);
        }

        return operations[0] with { Version = row.Version, State = state };
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
