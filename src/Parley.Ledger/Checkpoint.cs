using System.Globalization;

namespace Parley.Ledger;

/// <summary>A C2SP tlog-checkpoint body: origin, tree size, root hash, optional extension lines.</summary>
public sealed record Checkpoint(string Origin, long Size, byte[] RootHash, IReadOnlyList<string> Extensions)
{
    /// <summary>The note text: one line each for origin, decimal size, base64 root, then extensions.</summary>
    public string ToText()
    {
        var text = $"{Origin}\n{Size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(RootHash)}\n";
        return Extensions.Count == 0 ? text : text + string.Concat(Extensions.Select(e => e + "\n"));
    }

    /// <summary>Parses a checkpoint text, refusing leading zeros, bad hashes and empty lines.</summary>
    /// <exception cref="FormatException">The text is not a checkpoint.</exception>
    public static Checkpoint Parse(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("a checkpoint ends with a newline");
        }

        var lines = text[..^1].Split('\n');
        if (lines.Length < 3 || lines.Any(l => l.Length == 0))
        {
            throw new FormatException("a checkpoint has an origin, a size and a root hash, on non-empty lines");
        }

        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size) ||
            (lines[1].Length > 1 && lines[1][0] == '0'))
        {
            throw new FormatException("the tree size is a decimal number without leading zeros");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("the root hash is not base64");
        }

        if (root.Length != Merkle.HashSize)
        {
            throw new FormatException("the root hash is not 32 bytes");
        }

        return new Checkpoint(lines[0], size, root, lines[3..]);
    }
}
