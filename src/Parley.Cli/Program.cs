using System.Text;
using Parley.Cli;
using Parley.Cli.Terminal;

// stdout is buffered (conflict lists can be long); Cli flushes it before returning.
await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16)
{
    AutoFlush = false,
};
var console = new CliConsole(stdout, Console.Error)
{
    OutIsTerminal = !Console.IsOutputRedirected,
    ErrorIsTerminal = !Console.IsErrorRedirected,
    Width = Console.IsOutputRedirected ? CliConsole.RedirectedWidth : Math.Max(40, Console.WindowWidth),
};
return await Cli.RunAsync(args, console);
