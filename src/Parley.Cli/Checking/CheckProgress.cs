using System.Diagnostics;
using Spectre.Console;
using Parley.Cli.Terminal;

namespace Parley.Cli.Checking;

/// <summary>
/// Progress of <c>parley check</c> on standard error, never on standard output: live bars when standard
/// error is a terminal, otherwise a line at each tenth of each phase.
/// </summary>
/// <remarks>Thread-safe: the phases report from parallel workers.</remarks>
internal abstract class CheckProgress
{
    /// <summary>Inputs smaller than this (zones and operations together) finish too fast to need progress.</summary>
    public const long ThresholdBytes = 8 * 1024 * 1024;

    /// <summary>Starts a phase; report (done, total) to it, then call <see cref="Phase.Complete"/>.</summary>
    public abstract Phase Start(string description);

    /// <summary>Writes a final remark (for instance, how many conflicts were found).</summary>
    public abstract void Remark(string text);

    /// <summary>Runs <paramref name="work"/> with the progress display that suits <paramref name="console"/>.</summary>
    public static T Run<T>(CliConsole console, bool large, Func<CheckProgress, T> work)
    {
        if (!large)
        {
            return work(new Silent());
        }

        if (!console.ErrorIsTerminal)
        {
            return work(new Lines(console.Error));
        }

        var display = console.ErrorConsole().Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn());
        string? remark = null;
        var result = display.Start(context => work(new Bars(context, text => remark = text)));
        if (remark is not null)
        {
            console.Error.WriteLine(remark);
        }

        return result;
    }

    /// <summary>One phase of the work.</summary>
    public abstract class Phase : IProgress<(int Done, int Total)>, IProgress<int>
    {
        private int _total;
        private int _done;

        /// <summary>The most items reported done so far (reports from parallel workers may arrive out of order).</summary>
        protected int Done => Volatile.Read(ref _done);

        /// <summary>Sets the number of items expected, when known.</summary>
        public void SetTotal(int total) => Volatile.Write(ref _total, total);

        /// <inheritdoc/>
        public void Report((int Done, int Total) value)
        {
            SetTotal(value.Total);
            Report(value.Done);
        }

        /// <inheritdoc/>
        public void Report(int value)
        {
            int seen = Volatile.Read(ref _done);
            while (value > seen)
            {
                int previous = Interlocked.CompareExchange(ref _done, value, seen);
                if (previous == seen)
                {
                    Update(value, Volatile.Read(ref _total));
                    return;
                }

                seen = previous;
            }
        }

        /// <summary>Marks the phase done.</summary>
        public abstract void Complete();

        /// <summary>Shows that <paramref name="done"/> of <paramref name="total"/> items are done.</summary>
        protected abstract void Update(int done, int total);
    }

    private sealed class Silent : CheckProgress
    {
        public override Phase Start(string description) => new NoPhase();

        public override void Remark(string text)
        {
        }

        private sealed class NoPhase : Phase
        {
            public override void Complete()
            {
            }

            protected override void Update(int done, int total)
            {
            }
        }
    }

    private sealed class Lines(TextWriter error) : CheckProgress
    {
        private readonly Lock _lock = new();

        public override Phase Start(string description) => new LinePhase(this, description);

        public override void Remark(string text) => Write(text);

        private void Write(string line)
        {
            lock (_lock)
            {
                error.WriteLine($"parley check: {line}");
                error.Flush();
            }
        }

        private sealed class LinePhase(Lines owner, string description) : Phase
        {
            private readonly Stopwatch _clock = Stopwatch.StartNew();
            private int _lastTenth;

            public override void Complete() =>
                owner.Write($"{description}: {Done:N0} done in {_clock.Elapsed.TotalSeconds:F1} s (cpu {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1} s)");

            protected override void Update(int done, int total)
            {
                if (total <= 0)
                {
                    return;
                }

                int tenth = (int)(10L * done / total);
                int last = Volatile.Read(ref _lastTenth);
                if (tenth > last && tenth < 10 && Interlocked.CompareExchange(ref _lastTenth, tenth, last) == last)
                {
                    owner.Write($"{description}: {tenth * 10} % ({done:N0}/{total:N0}), {_clock.Elapsed.TotalSeconds:F1} s");
                }
            }
        }
    }

    private sealed class Bars(ProgressContext context, Action<string> remark) : CheckProgress
    {
        public override Phase Start(string description)
        {
            var task = context.AddTask(Markup.Escape(description), autoStart: true, maxValue: 1);
            task.IsIndeterminate = true;
            return new BarPhase(task);
        }

        public override void Remark(string text) => remark(text);

        private sealed class BarPhase(ProgressTask task) : Phase
        {
            public override void Complete()
            {
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
                task.StopTask();
            }

            protected override void Update(int done, int total)
            {
                if (total > 0)
                {
                    task.IsIndeterminate = false;
                    task.MaxValue = total;
                    task.Value = done;
                }
            }
        }
    }
}
