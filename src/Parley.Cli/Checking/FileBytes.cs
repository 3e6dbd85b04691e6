using System.Buffers;
using System.Runtime.InteropServices;

namespace Parley.Cli.Checking;

/// <summary>
/// A file's bytes in memory outside the managed heap, given back to the system when disposed: <c>parley check</c>
/// reads a file of half a gigabyte once, and its bytes should neither outlive the reading nor wait for a full
/// collection (which would have to walk every zone read from them) to be freed.
/// </summary>
internal sealed unsafe class FileBytes : MemoryManager<byte>
{
    private const long ParallelBytes = 16L << 20;

    private byte* _bytes;
    private readonly int _length;

    private FileBytes(int length)
    {
        _length = length;
        _bytes = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, length));
    }

    /// <summary>Reads the whole file.</summary>
    /// <exception cref="IOException">The file cannot be read, or is larger than 2 GiB.</exception>
    public static FileBytes Read(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        long length = RandomAccess.GetLength(file);
        if (length > Array.MaxLength)
        {
            throw new IOException($"larger than {Array.MaxLength:N0} bytes");
        }

        var bytes = new FileBytes((int)length);
        try
        {
            // A large file in as many parts as there are cores: copying from the page cache is work for each of them.
            int parts = length < ParallelBytes ? 1 : Environment.ProcessorCount;
            Parallel.For(0, parts, part =>
            {
                int from = (int)(length * part / parts), to = (int)(length * (part + 1) / parts);
                var span = bytes.GetSpan()[from..to];
                int read = 0;
                while (read < span.Length)
                {
                    int n = RandomAccess.Read(file, span[read..], from + read);
                    if (n == 0)
                    {
                        throw new IOException("the file shrank while it was read");
                    }

                    read += n;
                }
            });
            return bytes;
        }
        catch (AggregateException e) when (e.InnerException is IOException inner)
        {
            ((IDisposable)bytes).Dispose();
            throw inner;
        }
        catch
        {
            ((IDisposable)bytes).Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan() => _bytes is null ? throw new ObjectDisposedException(nameof(FileBytes)) : new(_bytes, _length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0) => new(_bytes + elementIndex);

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_bytes is not null)
        {
            NativeMemory.Free(_bytes);
            _bytes = null;
        }
    }
}
