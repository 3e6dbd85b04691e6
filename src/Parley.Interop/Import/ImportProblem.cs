namespace Parley.Interop.Import;

/// <summary>Something wrong or noteworthy in an imported file: where, which zone, and why.</summary>
/// <param name="Location">Where in the source: <c>line 12</c>, <c>features[3]</c>.</param>
/// <param name="Name">The zone's name or identifier, when known.</param>
/// <param name="Message">What is wrong or what was decided, for a person.</param>
public sealed record ImportProblem(string Location, string? Name, string Message)
{
    /// <summary>A one-line form: <c>line 12 (ED-R 1): unknown record 'XX'</c>.</summary>
    public override string ToString() => Name is null ? $"{Location}: {Message}" : $"{Location} ({Name}): {Message}";
}

/// <summary>Thrown when a file cannot be imported; carries every problem found, the first being the first in the file.</summary>
public sealed class ImportRejectedException : Exception
{
    /// <summary>Creates the exception from at least one problem.</summary>
    public ImportRejectedException(IReadOnlyList<ImportProblem> problems)
        : base(problems.Count > 0 ? problems[0].ToString() : "invalid input")
    {
        ArgumentOutOfRangeException.ThrowIfZero(problems.Count, nameof(problems));
        Problems = problems;
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ImportProblem> Problems { get; }
}

/// <summary>What a source reader found: the zones it could read and the problems with the rest.</summary>
/// <param name="Zones">The zones read.</param>
/// <param name="Errors">The records or features that could not be read (each is skipped).</param>
public sealed record SourceReading(IReadOnlyList<ImportedZone> Zones, IReadOnlyList<ImportProblem> Errors);
