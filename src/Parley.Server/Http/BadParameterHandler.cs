using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace Parley.Server.Http;

/// <summary>
/// Answers a parameter the framework could not bind (<c>size=abc</c>, a number out of its type's range) with an
/// RFC 9457 problem naming the parameter, where the framework would answer a bare 400.
/// </summary>
/// <remarks>Needs <c>RouteHandlerOptions.ThrowOnBadRequest</c>, so that binding failures reach the exception handler.</remarks>
internal sealed partial class BadParameterHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted ||
            (BindFailure().Match(bad.Message) is not { Success: true } match && (match = Missing().Match(bad.Message)) is not { Success: true }))
        {
            return false;
        }

        string type = match.Groups["type"].Value.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>').TrimEnd('?');
        string name = match.Groups["name"].Value;
        string message = match.Groups["value"].Success
            ? $"must be {Expected(type)}, not '{Problems.Clip(match.Groups["value"].Value)}'"
            : $"required: {Expected(type)}";
        await Problems.Invalid(new Parley.Core.InputRejectedException(new Parley.Core.InputError(null, name, message))).ExecuteAsync(httpContext);
        return true;
    }

    private static string Expected(string type) => type switch
    {
        "long" or "Int64" => "a whole number from -9223372036854775808 to 9223372036854775807",
        "int" or "Int32" => "a whole number from -2147483648 to 2147483647",
        "bool" or "Boolean" => "true or false",
        "double" or "Double" => "a number",
        _ => $"a value of type {type}",
    };

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^ "]+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();

    [GeneratedRegex("""^Required parameter "(?<type>[^ "]+) (?<name>[^ "]+)" was not provided""")]
    private static partial Regex Missing();
}
