using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Parley.Cli.Checking;

/// <summary>
/// A file's bytes, mapped read-only from the system's page cache and unmapped when disposed: <c>parley check</c>
/// reads a file of half a gigabyte once, and copying it into memory of its own would cost a page fault and a copy
/// for every 4 KiB of it (a third of the reading's CPU, measured) and a second copy of the file in memory.
/// </summary>
internal sealed unsafe partial class FileBytes : MemoryManager<byte>
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _bytes;
    private readonly int _length;
    private bool _disposed;

    private FileBytes(MemoryMappedFile? file, MemoryMappedViewAccessor? view, byte* bytes, int length)
    {
        _file = file;
        _view = view;
        _bytes = bytes;
        _length = length;
    }

    /// <summary>Maps the whole file.</summary>
    /// <exception cref="IOException">The file cannot be read, or is larger than 2 GiB.</exception>
    public static FileBytes Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
        long length = stream.Length;
        if (length > Array.MaxLength)
        {
            throw new IOException($"larger than {Array.MaxLength:N0} bytes");
        }

        if (length == 0)
        {
            return new FileBytes(null, null, null, 0); // nothing to map: an empty file maps to no pages
        }

        var file = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* bytes = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref bytes);
            bytes += view.PointerOffset;
            Populate(bytes, length);
            return new FileBytes(file, view, bytes, (int)length);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Maps every page of the file in one call per part, on every core, rather than one page fault at a time as the
    /// reader reaches them; where the system cannot (before Linux 5.14, or elsewhere), the pages fault in as read.
    /// </summary>
    private static void Populate(byte* bytes, long length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const long PageSize = 4096;
        int parts = length < (16L << 20) ? 1 : Environment.ProcessorCount;
        long start = (long)bytes & ~(PageSize - 1);
        long end = ((long)bytes + length + PageSize - 1) & ~(PageSize - 1);
        Parallel.For(0, parts, part =>
        {
            long from = start + ((end - start) / PageSize * part / parts * PageSize);
            long to = start + ((end - start) / PageSize * (part + 1) / parts * PageSize);
            _ = Madvise((nint)from, (nuint)(to - from), MadvisePopulateRead); // a refusal only means faults later
        });
    }

    private const int MadvisePopulateRead = 22;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <inheritdoc/>
    public override Span<byte> GetSpan() => _disposed ? throw new ObjectDisposedException(nameof(FileBytes)) : new(_bytes, _length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0) => new(_bytes + elementIndex);

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _bytes = null;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _file?.Dispose();
    }
}
