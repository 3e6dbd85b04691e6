using System.Text;
using CsCheck;
using Parley.Cli.Checking;
using Parley.Core.Conflicts;

namespace Parley.Cli.Tests;

/// <summary>
/// <c>parley check</c> makes its jsonl as UTF-8 in parallel shares: on random conflicts (ids of plain ASCII, quotes,
/// backslashes, control characters, other scripts, valid and lone surrogates) and random share sizes, its bytes are
/// those of the one-line-at-a-time writer encoded as the standard output encodes them.
/// </summary>
public sealed class JsonLinesBytesPropertyTests
{
    private static readonly Gen<string> Id = Gen.OneOf(
        Gen.String[Gen.Char['a', 'z'], 1, 12],
        Gen.String[Gen.Char['0', '9'], 1, 8].Select(s => "op-" + s),
        Gen.String[Gen.Char["ab\"\\\n\r\t\u0001\u001fé€\uD83D\uDE00\uD800\uDC00 "], 0, 10],
        Gen.String);

    private static readonly Gen<CheckedConflict> Conflict = Gen.Select(Id, Id, Gen.Int[0, 2], (a, b, which) => which switch
    {
        0 => new CheckedConflict(a, b, null),
        1 => new CheckedConflict(a, null, b),
        _ => new CheckedConflict(a, null, null),
    });

    [Fact]
    public void the_parallel_utf8_lines_are_the_line_writers_bytes()
    {
        Gen.Select(Conflict.List[0, 300], Gen.Int[1, 40]).Sample((conflicts, share) =>
        {
            var expected = new MemoryStream();
            using (var reference = new StreamWriter(expected, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 10, leaveOpen: true))
            {
                ConflictOutput.WriteJsonLines(reference, conflicts);
            }

            var actual = new MemoryStream();
            using (var writer = new StreamWriter(actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 10, leaveOpen: true))
            {
                writer.Write("before\n"); // buffered text ahead of the lines stays ahead of them
                JsonLinesBytes.Write(writer, conflicts, share);
                writer.Write("after\n");
            }

            var before = "before\n"u8.ToArray();
            var after = "after\n"u8.ToArray();
            Assert.Equal([.. before, .. expected.ToArray(), .. after], actual.ToArray());
        });
    }

    [Fact]
    public void a_writer_of_another_kind_gets_the_same_text()
    {
        Gen.Select(Conflict.List[0, 100], Gen.Int[1, 10]).Sample((conflicts, share) =>
        {
            var expected = new StringWriter();
            ConflictOutput.WriteJsonLines(expected, conflicts);
            var actual = new StringWriter();
            JsonLinesBytes.Write(actual, conflicts, share);
            Assert.Equal(expected.ToString(), actual.ToString());
        });
    }
}
