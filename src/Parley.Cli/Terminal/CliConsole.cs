using Spectre.Console;

namespace Parley.Cli.Terminal;

/// <summary>Where a command writes: standard output for results, standard error for messages and progress.</summary>
/// <param name="Out">Results only (conflict lines, tables, JSON, tokens).</param>
/// <param name="Error">Messages, warnings and progress.</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>Table width used when standard output is not a terminal (wide, so that rows are not wrapped).</summary>
    public const int RedirectedWidth = 200;

    /// <summary>Whether standard output is an interactive terminal (colours allowed).</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>Whether standard error is an interactive terminal (live progress allowed).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Width of standard output in columns.</summary>
    public int Width { get; init; } = RedirectedWidth;

    /// <summary>A Spectre.Console surface over <see cref="Out"/> for tables.</summary>
    public IAnsiConsole Tables()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = OutIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = OutIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = Width;
        return console;
    }

    /// <summary>A Spectre.Console surface over <see cref="Error"/> for live progress (only meaningful on a terminal).</summary>
    public IAnsiConsole ErrorConsole()
    {
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Error),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
    }
}
