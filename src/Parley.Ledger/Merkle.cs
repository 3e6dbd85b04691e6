using System.Security.Cryptography;

namespace Parley.Ledger;

/// <summary>RFC 6962 / RFC 9162 Merkle tree hashing.</summary>
public static class Merkle
{
    /// <summary>Size of a hash in bytes.</summary>
    public const int HashSize = 32;

    /// <summary>The root of the empty tree: SHA-256 of the empty string.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData([]);

    /// <summary>Leaf hash: SHA-256(0x00 ‖ entry).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> entry)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([0x00]);
        sha.AppendData(entry);
        return sha.GetHashAndReset();
    }

    /// <summary>Interior node hash: SHA-256(0x01 ‖ left ‖ right).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashSize)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>Writes the interior node hash into <paramref name="destination"/> without allocating.</summary>
    public static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashSize)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        SHA256.HashData(buffer, destination);
    }

    /// <summary>The largest power of two strictly less than <paramref name="n"/> (n ≥ 2): RFC 9162's split point k.</summary>
    public static long SplitPoint(long n)
    {
        long k = 1;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }
}
