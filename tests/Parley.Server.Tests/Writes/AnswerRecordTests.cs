using System.Text;
using CsCheck;
using Parley.Server.Writes;

namespace Parley.Server.Tests.Writes;

/// <summary>The record an answer is kept as for retries: the store keeps it opaque, the server alone writes and reads it.</summary>
public sealed class AnswerRecordTests
{
    [Fact]
    public void a_record_migrated_from_the_answer_columns_reads_back_as_the_answer_they_held()
    {
        // The bytes the schema migrations write for an answer kept before answers were records.
        var full = RenderedAnswer.FromRecord("parley-answer/1\nstatus: 201\ncontent-type: application/json; charset=utf-8\netag: \"3\"\nlocation: /v1/x\n\n{\"ok\":1}"u8);
        Assert.Equal((201, "application/json; charset=utf-8", "\"3\"", "/v1/x"), (full.Status, full.ContentType, full.ETag, full.Location));
        Assert.Equal("{\"ok\":1}"u8.ToArray(), full.Body);

        var empty = RenderedAnswer.FromRecord("parley-answer/1\nstatus: 204\n\n"u8);
        Assert.Equal((204, (string?)null, (string?)null, (string?)null), (empty.Status, empty.ContentType, empty.ETag, empty.Location));
        Assert.Empty(empty.Body);
    }

    [Fact]
    public void every_answer_reads_back_from_its_record_byte_for_byte()
    {
        var header = Gen.String[Gen.Char['!', '~'], 1, 40];
        Gen.Select(Gen.Int[100, 599], header.Null(), Gen.Byte.Array[0, 300], header.Null(), header.Null())
            .Sample((status, type, body, etag, location) =>
            {
                var answer = new RenderedAnswer(status, type, body, etag, location);
                var back = RenderedAnswer.FromRecord(answer.ToRecord());
                Assert.Equal((answer.Status, answer.ContentType, answer.ETag, answer.Location), (back.Status, back.ContentType, back.ETag, back.Location));
                Assert.Equal(answer.Body, back.Body);
            });
    }

    [Fact]
    public void a_record_of_another_format_or_without_a_header_is_refused_not_guessed()
    {
        Assert.Throws<InvalidDataException>(() => RenderedAnswer.FromRecord("parley-answer/2\nstatus: 200\n\n"u8));
        Assert.Throws<InvalidDataException>(() => RenderedAnswer.FromRecord("{\"ok\":1}"u8));
        Assert.Throws<InvalidDataException>(() => RenderedAnswer.FromRecord("parley-answer/1\ncontent-type: x\n\n"u8));
        Assert.Throws<InvalidDataException>(() => RenderedAnswer.FromRecord(Encoding.UTF8.GetBytes("parley-answer/1\nstatus: 200\nretry-after: 3\n\n")));
    }
}
