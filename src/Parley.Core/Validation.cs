namespace Parley.Core;

/// <summary>One thing wrong with an input: which feature (if any), which field, and why.</summary>
/// <param name="FeatureId">The id of the feature concerned, when known.</param>
/// <param name="Field">A JSON path to the offending field, e.g. <c>features[2].properties.alt_min_m</c>.</param>
/// <param name="Message">What is wrong, for a person.</param>
public sealed record InputError(string? FeatureId, string Field, string Message)
{
    /// <summary>A one-line form: <c>feature 'z1': properties.end: must be after start</c>.</summary>
    public override string ToString() =>
        FeatureId is null ? $"{Field}: {Message}" : $"feature '{FeatureId}': {Field}: {Message}";
}

/// <summary>Thrown when an input is refused; carries every error found, the first being the most relevant.</summary>
public sealed class InputRejectedException : Exception
{
    /// <summary>Creates the exception from at least one error.</summary>
    public InputRejectedException(IReadOnlyList<InputError> errors)
        : base(errors.Count > 0 ? errors[0].ToString() : "invalid input")
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count, nameof(errors));
        Errors = errors;
    }

    /// <summary>Creates the exception from one error.</summary>
    public InputRejectedException(InputError error)
        : this([error])
    {
    }

    /// <summary>Every error found.</summary>
    public IReadOnlyList<InputError> Errors { get; }
}

/// <summary>A state change that the domain refuses (an invalid transition, a missing entity, a conflict of versions).</summary>
public sealed class DomainException(DomainError kind, string message) : Exception(message)
{
    /// <summary>What kind of refusal.</summary>
    public DomainError Kind { get; } = kind;
}

/// <summary>Kinds of domain refusal, mapped by the server to HTTP statuses.</summary>
public enum DomainError
{
    /// <summary>The entity does not exist (or is not visible to the caller).</summary>
    NotFound,

    /// <summary>The entity exists already.</summary>
    AlreadyExists,

    /// <summary>The caller may not do this.</summary>
    Forbidden,

    /// <summary>The transition is not allowed from the current state.</summary>
    InvalidTransition,
}
