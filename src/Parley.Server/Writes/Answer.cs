using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Parley.Server.Writes;

/// <summary>
/// The answer to a write, as data: decided under the agreement's lock with the change it answers, rendered once
/// (<see cref="Render"/>), sent as it is and kept for retries under an idempotency key.
/// </summary>
public abstract record Answer
{
    private Answer()
    {
    }

    /// <summary>A JSON document (or no body), with the version it leaves and where the new resource is.</summary>
    /// <param name="Status">The HTTP status.</param>
    /// <param name="Body">The document, or null for none.</param>
    /// <param name="Type">How to write <paramref name="Body"/> (the server's source-generated JSON contract).</param>
    /// <param name="Version">The version of the resource written (its ETag), if any.</param>
    /// <param name="Location">The path of a resource created, if any.</param>
    public sealed record Content(int Status, object? Body = null, JsonTypeInfo? Type = null, long? Version = null, string? Location = null) : Answer;

    /// <summary>A refusal: a problem document, nothing changed.</summary>
    public sealed record Refusal(ProblemHttpResult Problem) : Answer;

    /// <summary>A JSON document <paramref name="body"/> with status <paramref name="status"/>.</summary>
    public static Content Json<T>(T body, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK, long? version = null, string? location = null) =>
        new(status, body, type, version, location);

    /// <summary>A refusal with the problem <paramref name="problem"/> (see <c>Problems</c>).</summary>
    public static Refusal Refuse(IResult problem) =>
        new(problem as ProblemHttpResult ?? throw new ArgumentException("a problem result", nameof(problem)));

    /// <summary>An answer with no body.</summary>
    public static Content Empty(int status = StatusCodes.Status204NoContent) => new(status);

    /// <summary>The ETag header of a version.</summary>
    public static string ETag(long version) => $"\"{version}\"";

    /// <summary>The bytes and headers of a content answer: the one place an answer is written.</summary>
    public static RenderedAnswer Render(Content answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        byte[] body = answer.Body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(answer.Body, answer.Type ?? throw new ArgumentException("a body needs its type", nameof(answer)));
        return new RenderedAnswer(answer.Status, answer.Body is null ? null : "application/json; charset=utf-8", body,
            answer.Version is { } v ? ETag(v) : null, answer.Location);
    }
}

/// <summary>An answer as sent: status, headers and the exact body bytes.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
/// <param name="Body">The body bytes.</param>
/// <param name="ETag">The ETag header, if any.</param>
/// <param name="Location">The Location header, if any.</param>
public sealed record RenderedAnswer(int Status, string? ContentType, byte[] Body, string? ETag, string? Location)
{
    private const string Format = "parley-answer/1";

    /// <summary>
    /// The record kept for retries, opaque to the store: the line <c>parley-answer/1</c>, a line <c>name: value</c> per
    /// header (status, content-type, etag, location), a blank line, then the body bytes.
    /// </summary>
    public byte[] ToRecord()
    {
        var head = new StringBuilder(Format).Append('\n');
        head.Append("status: ").Append(Status.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Line(head, "content-type", ContentType);
        Line(head, "etag", ETag);
        Line(head, "location", Location);
        head.Append('\n');
        return [.. Encoding.UTF8.GetBytes(head.ToString()), .. Body];
    }

    /// <summary>Reads back a record <see cref="ToRecord"/> wrote.</summary>
    /// <exception cref="InvalidDataException">Not a record of a format this server reads.</exception>
    public static RenderedAnswer FromRecord(ReadOnlySpan<byte> record)
    {
        int end = record.IndexOf("\n\n"u8);
        if (end < 0)
        {
            throw new InvalidDataException("a kept answer has no header");
        }

        var lines = Encoding.UTF8.GetString(record[..end]).Split('\n');
        if (lines[0] != Format)
        {
            throw new InvalidDataException($"a kept answer of an unknown format '{lines[0]}'");
        }

        int? status = null;
        string? contentType = null, etag = null, location = null;
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            string name = colon < 0 ? line : line[..colon], value = colon < 0 ? "" : line[(colon + 2)..];
            switch (name)
            {
                case "status": status = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "content-type": contentType = value; break;
                case "etag": etag = value; break;
                case "location": location = value; break;
                default: throw new InvalidDataException($"a kept answer names an unknown header '{name}'");
            }
        }

        return new RenderedAnswer(status ?? throw new InvalidDataException("a kept answer has no status"), contentType, record[(end + 2)..].ToArray(), etag, location);
    }

    /// <summary>Writes it to a response: the exact bytes and headers; <paramref name="replayed"/> says it answers a retry.</summary>
    public IResult ToResult(bool replayed) => new Sent(this, replayed);

    private static void Line(StringBuilder head, string name, string? value)
    {
        if (value is not null)
        {
            head.Append(name).Append(": ").Append(value).Append('\n');
        }
    }

    private sealed record Sent(RenderedAnswer Answer, bool Replayed) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = Answer.Status;
            if (Answer.ContentType is not null)
            {
                response.ContentType = Answer.ContentType;
            }

            if (Answer.ETag is not null)
            {
                response.Headers.ETag = Answer.ETag;
            }

            if (Answer.Location is not null)
            {
                response.Headers.Location = Answer.Location;
            }

            if (Replayed)
            {
                response.Headers["Idempotent-Replayed"] = "true";
            }

            if (Answer.Body.Length > 0)
            {
                response.ContentLength = Answer.Body.Length;
                await response.Body.WriteAsync(Answer.Body, httpContext.RequestAborted);
            }
        }
    }
}
