using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Cli.Checking;

/// <summary>
/// Reads a GeoJSON file of zones or operations with the core's streaming reader (in parallel over the features,
/// with <see cref="FeatureReader"/>'s refusals and errors); a file may begin with a UTF-8 byte order mark.
/// </summary>
internal static class FeatureFile
{
    /// <summary>Reads every zone; <paramref name="progress"/> receives the features read so far and their expected total.</summary>
    public static IReadOnlyList<Zone> ReadZones(ReadOnlyMemory<byte> utf8, Agreement agreement, IProgress<(int Done, int Total)>? progress = null) =>
        StreamingFeatureReader.ReadZones(SkipByteOrderMark(utf8), agreement, caller: null, progress);

    /// <summary>Reads every operation; <paramref name="progress"/> receives the features read so far and their expected total.</summary>
    public static IReadOnlyList<Operation> ReadOperations(ReadOnlyMemory<byte> utf8, Agreement agreement, IProgress<(int Done, int Total)>? progress = null) =>
        StreamingFeatureReader.ReadOperations(SkipByteOrderMark(utf8), agreement, caller: null, progress);

    private static ReadOnlyMemory<byte> SkipByteOrderMark(ReadOnlyMemory<byte> utf8) =>
        utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? utf8[3..] : utf8;
}
