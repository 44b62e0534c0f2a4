using System.Net.Sockets;
using MedallionFoundry.Commands;
using MedallionFoundry.Storage;

namespace MedallionFoundry.Tests.Cmdlets;

/// <summary>The pieces every transfer cmdlet shares for its summary, progress and fail-fast (issue 13, items 3, 4, 7, 8).</summary>
public sealed class TransferSummaryTests
{
    [Fact]
    public void The_summary_counts_each_outcome_and_only_the_bytes_that_arrived()
    {
        var summary = new TransferSummary("Upload");
        summary.AddSucceeded(1024);
        summary.AddSucceeded(2048);
        summary.AddFailed();
        summary.AddSkipped(4);

        Assert.Equal(2, summary.Succeeded);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(3, summary.Completed);
        Assert.Matches(@"^Upload: 2 succeeded, 1 failed, 4 skipped; 3\.0 KiB in \d+\.\d s \(.+/s\)\.$", summary.ToString());
    }

    [Fact]
    public void WhatIf_totals_say_when_sizes_are_not_known()
    {
        var summary = new TransferSummary("Download");
        Assert.Null(summary.WhatIfTotal());
        summary.AddWhatIf(1536);
        summary.AddWhatIf(512);
        Assert.Equal("Download: 2 files, 2.0 KiB in total.", summary.WhatIfTotal());
        summary.AddWhatIf(null);
        Assert.Equal("Download: 3 files, 2.0 KiB plus 1 of unknown size.", summary.WhatIfTotal());
        Assert.Equal(3, summary.Skipped);
    }

    [Fact]
    public void Progress_never_counts_failures_as_done_and_says_of_when_totals_are_unknown()
    {
        Assert.Equal("3 of 5 files, 2 failed, 1.0 MiB of 4.0 MiB, 2.0 MiB/s", TransferProgress.Status(3, 2, 5, 1 << 20, 4 << 20, 2 << 20));
        Assert.Equal("37 of ? files, 36.4 MiB of ?, 0 B/s", TransferProgress.Status(37, 0, null, (long)(36.4 * (1 << 20)), null, 0));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(104_857_600, "100.0 MiB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5.0 GiB")]
    public void Sizes_are_binary_units_labelled_as_such(long bytes, string expected) => Assert.Equal(expected, SizeFormatter.Format(bytes));

    [Fact]
    public void Connection_failures_are_told_from_file_failures()
    {
        Assert.NotNull(ConnectionFailure.CauseOf(new StorageContainerNotFoundException("no bucket", "b")));
        Assert.NotNull(ConnectionFailure.CauseOf(new StorageException(StorageErrorKind.CircuitOpen, "open")));
        Assert.NotNull(ConnectionFailure.CauseOf(new StorageAccessDeniedException("403 AuthorizationFailure")));
        Assert.Contains("DNS", ConnectionFailure.CauseOf(new StorageTransientException("network", "a",
            new HttpRequestException("x", new SocketException((int)SocketError.HostNotFound)))));

        // A local file nobody may read, a missing file, a conflict: about one file, the run goes on.
        Assert.Null(ConnectionFailure.CauseOf(new StorageAccessDeniedException("denied", "a", new UnauthorizedAccessException())));
        Assert.Null(ConnectionFailure.CauseOf(new StorageNotFoundException("gone", "a")));
        Assert.Null(ConnectionFailure.CauseOf(new StorageConflictException("exists", "a")));
        Assert.Null(ConnectionFailure.CauseOf(new StorageTransientException("503", "a")));
        Assert.Null(ConnectionFailure.CauseOf(new IOException("disk full")));
    }
}
