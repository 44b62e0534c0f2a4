# The report of Invoke-Benchmark.ps1 (dot-sourced by it): statistics over $script:Samples, the
# targets of issue 17 and the Markdown of bench/results.md. Reads the script's $Runs, $Backend,
# $CommandLine, $StartedAt, $OutFile and $script:Notes.

$script:TimedWorkloads = @('W1 up', 'W1 down', 'W1 down, other writer', 'W2 up', 'W2 down', 'W3 list', 'W4 delete')
$script:BackendOrder = @('s3', 'azure', 'sftp', 'local')
$script:MemoryToleranceMiB = 40   # W1 peak over a bare pwsh
$script:FlatToleranceMiB = 8      # W1Big (2 GiB) peak over W1's (512 MiB)
$script:StartToleranceMs = 400    # fresh pwsh -File with one small upload, over a bare pwsh start
$script:ImportToleranceMs = 300

#region statistics

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    if ($n -eq 0) { return $null }
    if ($n % 2) { return $sorted[[int][math]::Floor($n / 2)] }
    ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

function Get-Samples([string] $B, [string] $W, [string] $Tool) {
    @($script:Samples | Where-Object { ($B -eq '*' -or $_.Backend -eq $B) -and ($W -eq '*' -or $_.Workload -eq $W) -and $_.Tool -eq $Tool })
}

# Median time of the runs that succeeded, the highest and median peak memory, how many runs failed.
function Get-Stat([string] $B, [string] $W, [string] $Tool) {
    $rows = @(Get-Samples $B $W $Tool)
    if ($rows.Count -eq 0) { return $null }
    $ok = @($rows | Where-Object { -not $_.Failed })
    $memory = @($ok | Where-Object { $null -ne $_.PeakMiB } | ForEach-Object PeakMiB)
    [pscustomobject]@{
        Tool = $Tool
        Median = if ($ok.Count) { Get-Median ($ok | ForEach-Object Seconds) } else { $null }
        Runs = $rows.Count
        Failed = $rows.Count - $ok.Count
        PeakMiB = if ($memory.Count) { ($memory | Measure-Object -Maximum).Maximum } else { $null }
        MedianPeakMiB = if ($memory.Count) { Get-Median $memory } else { $null }
    }
}

# The memory baseline: the median peak RSS of every bare pwsh start of this run.
function Get-BarePwshMemory {
    $memory = @(Get-Samples '*' '*' 'bare pwsh' | Where-Object { -not $_.Failed -and $null -ne $_.PeakMiB } | ForEach-Object PeakMiB)
    if ($memory.Count -eq 0) { return $null }
    $range = $memory | Measure-Object -Minimum -Maximum
    # A bare pwsh peaks in one of two modes ~10 MiB apart (glibc keeps freed C heap or not: bench/ANALYSIS.md,
    # round 9), and which one the median falls in changes from run to run. The lower mode is shown beside it.
    $split = ($range.Minimum + $range.Maximum) / 2
    $lower = @($memory | Where-Object { $_ -lt $split })
    $bimodal = $range.Maximum - $range.Minimum -ge 6 -and $lower.Count -gt 0
    [pscustomobject]@{
        Median = Get-Median $memory; Min = $range.Minimum; Max = $range.Maximum; Count = $memory.Count
        LowerMedian = $(if ($bimodal) { Get-Median $lower } else { Get-Median $memory }); LowerCount = $(if ($bimodal) { $lower.Count } else { $memory.Count })
    }
}

function Get-PeerNames([string] $B) {
    switch ($B) { 's3' { @('rclone', 'aws') } 'local' { @('cp') } default { @('rclone') } }
}

function Get-FastestPeer([hashtable] $Peers) {
    $Peers.Values | Where-Object { $_ -and $null -ne $_.Median } | Sort-Object Median | Select-Object -First 1
}

# The time goal of a cell (issue 17): the limit on session / peer, and which peer. $null: no goal.
function Get-Target([string] $B, [string] $W) {
    if ($B -eq 'local') {
        if ($W -like 'W1*' -or $W -like 'W2*') { return @{ Text = 'time ≤ cp / 0.9'; Peer = 'cp'; Limit = 1 / 0.9 } }
        return $null
    }
    if ($B -notin 's3', 'azure') { return $null }
    switch -Wildcard ($W) {
        'W1*' { @{ Text = '≤ 1.0 × fastest peer'; Peer = 'fastest'; Limit = 1.0 } }
        'W2*' { @{ Text = '≤ 0.8 × fastest peer'; Peer = 'fastest'; Limit = 0.8 } }
        'W3*' { @{ Text = '≤ 1.0 × rclone lsf'; Peer = 'rclone'; Limit = 1.0 } }
        'W4*' { @{ Text = '≤ 0.5 × fastest peer'; Peer = 'fastest'; Limit = 0.5 } }
    }
}

function Get-TargetPeer($Target, [hashtable] $Peers) {
    if ($Target.Peer -eq 'fastest') { Get-FastestPeer $Peers } else { $Peers[$Target.Peer] }
}

#endregion

#region formatting

function Format-Seconds($Stat) {
    if ($null -eq $Stat) { return '—' }
    if ($null -eq $Stat.Median) { return '**failed**' }
    $text = '{0:0.000}' -f $Stat.Median
    if ($Stat.Failed) { $text += " ($($Stat.Failed) of $($Stat.Runs) **failed**)" }
    $text
}

function Get-Ratio($A, $B) {
    if ($null -eq $A -or $null -eq $B -or $null -eq $A.Median -or $null -eq $B.Median -or $B.Median -le 0) { return $null }
    $A.Median / $B.Median
}

function Format-Ratio($A, $B) { $r = Get-Ratio $A $B; if ($null -eq $r) { '—' } else { '{0:0.00}' -f $r } }

function Format-Met([bool] $Ok) { if ($Ok) { 'yes' } else { '**no**' } }

function ConvertTo-MarkdownTable([string[]] $Header, [object[]] $Rows) {
    $lines = @(('| ' + ($Header -join ' | ') + ' |'), ('|' + (($Header | ForEach-Object { '---' }) -join '|') + '|'))
    foreach ($row in $Rows) { $lines += '| ' + (@($row) -join ' | ') + ' |' }
    $lines + ''
}

#endregion

#region goals: one row per goal of issue 17 (Goal, Backend, Measured, Target, Met)

function Get-TimeGoalRows {
    foreach ($b in $script:BackendOrder | Where-Object { $_ -in $Backend }) {
        foreach ($w in $script:TimedWorkloads) {
            $target = Get-Target $b $w
            $session = Get-Stat $b $w 'ours-session'
            if ($null -eq $target -or $null -eq $session) { continue }
            $peers = @{}; foreach ($p in Get-PeerNames $b) { $peers[$p] = Get-Stat $b $w $p }
            $peer = Get-TargetPeer $target $peers
            $ratio = Get-Ratio $session $peer
            $measured = if ($null -eq $peer) { 'no peer time' } elseif ($null -eq $ratio) { "session $(Format-Seconds $session)" }
            else { '{0:0.00} (session {1:0.000} s / {2} {3:0.000} s)' -f $ratio, $session.Median, $peer.Tool, $peer.Median }
            $met = if ($null -eq $ratio) { '**no**' } else { Format-Met ($ratio -le $target.Limit + 1e-9 -and -not $session.Failed) }
            [pscustomobject]@{ Goal = "$w, session / $(if ($target.Peer -eq 'fastest') { 'fastest peer' } else { $target.Peer })"; Backend = $b; Measured = $measured; Target = $target.Text; Met = $met }
        }
    }
}

function Get-MemoryGoalRows {
    $bare = Get-BarePwshMemory
    foreach ($b in $script:BackendOrder | Where-Object { $_ -in $Backend }) {
        foreach ($w in @('W1 up', 'W1 down')) {
            $ours = Get-Stat $b $w 'ours'
            if ($null -eq $ours -or $null -eq $ours.PeakMiB -or $null -eq $bare) { continue }
            $over = $ours.PeakMiB - $bare.Median
            [pscustomobject]@{
                Goal = "$w, peak RSS over bare pwsh"; Backend = $b
                Measured = '{0:+0.0;-0.0} MiB ({1:0.0} − {2:0.0})' -f $over, $ours.PeakMiB, $bare.Median
                Target = "≤ $script:MemoryToleranceMiB MiB"; Met = Format-Met ($over -le $script:MemoryToleranceMiB)
            }
        }
    }
}

# W1Big against W1: the 2 GiB peak against the median of the 512 MiB peaks of the same run.
function Get-FlatnessRows {
    foreach ($b in $script:BackendOrder | Where-Object { $_ -in $Backend }) {
        foreach ($direction in @('up', 'down')) {
            $big = Get-Stat $b "W1Big $direction" 'ours'
            if ($null -eq $big) { continue }
            $small = Get-Stat $b "W1 $direction" 'ours'
            $row = [ordered]@{ Backend = $b; Direction = $direction; Big = $big; Small = $small; Difference = $null }
            if ($big.PeakMiB -and $small -and $small.MedianPeakMiB) { $row.Difference = $big.PeakMiB - $small.MedianPeakMiB }
            [pscustomobject]$row
        }
    }
}

function Get-FlatnessGoalRows {
    foreach ($f in Get-FlatnessRows) {
        $measured = if ($null -eq $f.Difference) { if ($f.Big.Failed) { '2 GiB step **failed**' } else { 'no W1 (512 MiB) peak in this run' } }
        else { '{0:+0.0;-0.0} MiB (2 GiB {1:0.0}, 512 MiB {2:0.0})' -f $f.Difference, $f.Big.PeakMiB, $f.Small.MedianPeakMiB }
        $met = if ($null -eq $f.Difference) { '—' } else { Format-Met ($f.Difference -le $script:FlatToleranceMiB) }
        [pscustomobject]@{ Goal = "W1 $($f.Direction), 2 GiB peak over 512 MiB peak"; Backend = $f.Backend; Measured = $measured; Target = "≤ +$script:FlatToleranceMiB MiB"; Met = $met }
    }
}

# Start: fresh pwsh -File + one 16 KiB upload, against a bare start (medians of alternating runs).
function Get-StartRows {
    foreach ($b in $script:BackendOrder | Where-Object { $_ -in $Backend }) {
        $bare = Get-Stat $b 'Start' 'bare pwsh'
        $ours = Get-Stat $b 'Start' 'ours'
        if ($null -eq $bare -or $null -eq $ours -or $null -eq $bare.Median -or $null -eq $ours.Median) { continue }
        $splits = @(Get-Samples $b 'Start' 'ours' | Where-Object { -not $_.Failed -and $_.Split } | ForEach-Object Split)
        $split = if ($splits.Count) { '{0:0} / {1:0} / {2:0}' -f (Get-Median ($splits | ForEach-Object import)), (Get-Median ($splits | ForEach-Object connect)), (Get-Median ($splits | ForEach-Object operation)) } else { '—' }
        [pscustomobject]@{ Backend = $b; Bare = $bare; Ours = $ours; OverMs = ($ours.Median - $bare.Median) * 1000; Split = $split }
    }
}

function Get-StartGoalRows {
    foreach ($s in Get-StartRows) {
        [pscustomobject]@{
            Goal = 'fresh pwsh -File, one 16 KiB upload, over a bare pwsh start'; Backend = $s.Backend
            Measured = '{0:0} ms ({1:0.000} s − {2:0.000} s)' -f $s.OverMs, $s.Ours.Median, $s.Bare.Median
            Target = "≤ $script:StartToleranceMs ms"; Met = Format-Met ($s.OverMs -le $script:StartToleranceMs -and -not $s.Ours.Failed)
        }
    }
}

function Get-ImportRow {
    $bare = Get-Stat pwsh 'Import' 'bare pwsh'
    $import = Get-Stat pwsh 'Import' 'import'
    if ($null -eq $bare -or $null -eq $import -or $null -eq $bare.Median -or $null -eq $import.Median) { return $null }
    [pscustomobject]@{ Bare = $bare; Import = $import; DeltaMs = ($import.Median - $bare.Median) * 1000 }
}

function Get-ImportGoalRows {
    $i = Get-ImportRow
    if ($null -eq $i) { return }
    [pscustomobject]@{ Goal = 'Import-Module over a bare pwsh start'; Backend = '—'; Measured = '{0:0} ms' -f $i.DeltaMs; Target = "≤ $script:ImportToleranceMs ms"; Met = Format-Met ($i.DeltaMs -le $script:ImportToleranceMs) }
}

#endregion

#region sections

function Get-HeaderLines {
    $cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
    $ram = [math]::Round([double]((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '') / 1MB, 1)
    @(
        '# Benchmark results', ''
        "Command: ``$CommandLine`` (from the repository root).", ''
        "Machine: $(nproc) cores ($cpu), $ram GiB RAM, $(uname -sr); started $($StartedAt.ToString('yyyy-MM-dd HH:mm')) UTC$($StartedAt.ToString('zzz')), took $([math]::Round(((Get-Date) - $StartedAt).TotalMinutes, 1)) min."
        "Tools: $((rclone version 2>$null | Select-Object -First 1)), $((& /usr/bin/aws --version 2>&1) -split ' ' | Select-Object -First 1), cp from $((cp --version | Select-Object -First 1)), pwsh $($PSVersionTable.PSVersion), servers from tests/servers (@20minutes/s3rver 5.0.0, Azurite)."
        "Each number is the median of $Runs runs (Import and Start: $(3 * $Runs) alternating runs; W1Big: one run), in seconds; every download's bytes were verified (sha256), every upload's count and bytes, every listing's and delete's count.", ''
        '**ours (session)**: the cmdlet in an already running session with the connection open — what the goals of issue 17 judge, against each peer''s whole process. **ours (fresh)**: a new `pwsh -NoProfile -File` process of a generated script (`New-OursScript`, bench/BenchOperations.ps1) that imports the module, connects and runs the cmdlet as a user''s script would, timed as a whole like each peer process (shown; the start-up has its own goals: Import and Start). Memory is always the fresh process''s (a session''s peak cannot be split by operation).', ''
    )
}

function Get-GoalLines {
    $rows = @(Get-TimeGoalRows) + @(Get-MemoryGoalRows) + @(Get-FlatnessGoalRows) + @(Get-StartGoalRows) + @(Get-ImportGoalRows)
    if ($rows.Count -eq 0) { return @() }
    $met = @($rows | Where-Object Met -eq 'yes').Count
    $open = @($rows | Where-Object Met -eq '—').Count
    $summary = "$met of $($rows.Count - $open) goals met in this run$(if ($open) { " ($open not judged: a number missing)" })."
    @('## Goals of issue 17: ratios and targets', '', "$summary Time ratios: ours in session / the peer's whole process (median / median); the tables below have every number.", '') +
        (ConvertTo-MarkdownTable @('Goal', 'Backend', 'Measured', 'Target', 'Met') @($rows | ForEach-Object { , @($_.Goal, $_.Backend, $_.Measured, $_.Target, $_.Met) }))
}

function Get-BackendRow([string] $B, [string] $W, [string[]] $PeerNames) {
    $ours = Get-Stat $B $W 'ours'
    $session = Get-Stat $B $W 'ours-session'
    $peers = @{}; foreach ($p in $PeerNames) { $peers[$p] = Get-Stat $B $W $p }
    if ($null -eq $ours -and $null -eq $session -and -not ($peers.Values | Where-Object { $_ })) { return $null }
    $fastest = Get-FastestPeer $peers
    $target = Get-Target $B $W
    $met = '—'
    if ($target -and $session) {
        $ratio = Get-Ratio $session (Get-TargetPeer $target $peers)
        $met = if ($null -eq $ratio) { '**no**' } else { Format-Met ($ratio -le $target.Limit + 1e-9 -and -not $session.Failed) }
    }
    $row = @($W, (Format-Seconds $ours), (Format-Seconds $session)) + @($PeerNames | ForEach-Object { Format-Seconds $peers[$_] })
    $row += @($(if ($fastest) { $fastest.Tool } else { '—' }), (Format-Ratio $session $fastest))
    $row += @($PeerNames | ForEach-Object { Format-Ratio $session $peers[$_] })
    $row += @((Format-Ratio $ours $fastest), $(if ($target) { $target.Text } else { '(no goal)' }), $met)
    , $row
}

function Get-BackendLines {
    foreach ($b in $script:BackendOrder | Where-Object { $_ -in $Backend }) {
        $peerNames = Get-PeerNames $b
        $rows = @($script:TimedWorkloads | ForEach-Object { Get-BackendRow $b $_ $peerNames } | Where-Object { $_ })
        if ($rows.Count -eq 0) { continue }
        $header = @('Workload', 'ours (fresh)', 'ours (session)') + $peerNames + @('fastest peer', '**session / fastest peer**') +
            @($peerNames | ForEach-Object { "session / $_" }) + @('fresh / fastest peer', 'Target (session)', 'Met')
        @("## $b", '') + (ConvertTo-MarkdownTable $header $rows)
    }
}

function Get-MemoryLines {
    $bare = Get-BarePwshMemory
    $lines = @('## Peak memory (MiB, resident; /usr/bin/time %M of each fresh process, the highest of the runs)', '')
    if ($bare) {
        $lines += @(('Bare `pwsh -NoProfile -NonInteractive -c exit` in this run: median {0:0.0} MiB of {1} starts (min {2:0.0}, max {3:0.0}); "over bare pwsh" is ours'' peak minus that median. Goal for W1: ≤ {4} MiB over bare pwsh. (A bare pwsh''s peak varies by ~10 MiB from start to start, hence the median of several.) Its lower mode: median {5:0.0} MiB of {6} starts; "ours over its lower mode" compares with that, so that runs can be compared (the goal is judged on the median).' -f $bare.Median, $bare.Count, $bare.Min, $bare.Max, $script:MemoryToleranceMiB, $bare.LowerMedian, $bare.LowerCount), '')
    }
    $rows = @()
    foreach ($b in $script:BackendOrder | Where-Object { $_ -in $Backend }) {
        foreach ($w in $script:TimedWorkloads + @('W1Big up', 'W1Big down')) {
            $cells = @('rclone', 'aws', 'cp') | ForEach-Object { $s = Get-Stat $b $w $_; if ($s -and $null -ne $s.PeakMiB) { $s.PeakMiB } else { '—' } }
            $ours = Get-Stat $b $w 'ours'
            if ((($null -eq $ours) -or ($null -eq $ours.PeakMiB)) -and @($cells | Where-Object { $_ -ne '—' }).Count -eq 0) { continue }
            $peak = if ($ours -and $null -ne $ours.PeakMiB) { $ours.PeakMiB } else { $null }
            $over = if ($null -ne $peak -and $bare) { $peak - $bare.Median } else { $null }
            $overLower = if ($null -ne $peak -and $bare) { $peak - $bare.LowerMedian } else { $null }
            $met = if ($w -like 'W1*' -and $null -ne $over) { Format-Met ($over -le $script:MemoryToleranceMiB) } else { '—' }
            $rows += , (@($b, $w, $(if ($null -ne $peak) { $peak } else { '—' }), $(if ($null -ne $over) { '{0:+0.0;-0.0}' -f $over } else { '—' }), $met,
                $(if ($null -ne $overLower) { '{0:+0.0;-0.0}' -f $overLower } else { '—' })) + $cells)
        }
    }
    $lines + (ConvertTo-MarkdownTable @('Backend', 'Workload', 'ours', 'ours over bare pwsh (MiB)', "≤ $script:MemoryToleranceMiB MiB over bare (W1)", 'ours over its lower mode', 'rclone', 'aws-cli', 'cp') $rows)
}

function Get-FlatnessLines {
    $rows = @(Get-FlatnessRows | ForEach-Object {
            $met = if ($null -eq $_.Difference) { '—' } else { Format-Met ($_.Difference -le $script:FlatToleranceMiB) }
            , @($_.Backend, $_.Direction, (Format-Seconds $_.Big), $(if ($null -ne $_.Big.PeakMiB) { $_.Big.PeakMiB } else { '—' }),
                $(if ($_.Small -and $null -ne $_.Small.MedianPeakMiB) { '{0:0.0} (max {1:0.0})' -f $_.Small.MedianPeakMiB, $_.Small.PeakMiB } else { '—' }),
                $(if ($null -ne $_.Difference) { '{0:+0.0;-0.0}' -f $_.Difference } else { '—' }), $met)
        })
    if ($rows.Count -eq 0) { return @() }
    @('## Flat memory with file size: 2 GiB (W1Big) against 512 MiB (W1)', '',
        "Ours in a fresh process, one 2 GiB run per direction (the download source written by another tool, as W1's: rclone, or a plain copy in the local store; sha256 verified). Goal: the 2 GiB peak ≤ the median 512 MiB peak of this run + $script:FlatToleranceMiB MiB (run-to-run noise of the peak).", '') +
    (ConvertTo-MarkdownTable @('Backend', 'Direction', '2 GiB time (s)', '2 GiB peak (MiB)', '512 MiB peak (MiB, median of runs)', 'difference (MiB)', 'Met') $rows)
}

function Get-StartLines {
    $rows = @(Get-StartRows | ForEach-Object {
            , @($_.Backend, ('{0:0.000}' -f $_.Bare.Median), (Format-Seconds $_.Ours), ('{0:0}' -f $_.OverMs), $_.Split, "≤ $script:StartToleranceMs ms", (Format-Met ($_.OverMs -le $script:StartToleranceMs -and -not $_.Ours.Failed)))
        })
    $lines = @()
    if ($rows.Count) {
        $lines += @('## Start-up: one small upload in a fresh `pwsh -File`', '',
            "A fresh ``pwsh -NoProfile -NonInteractive -File`` of a generated script (the lines a user would write) that imports the module, connects and uploads one 16 KiB file, against a bare ``pwsh -NoProfile -NonInteractive -c exit``; $(3 * $Runs) alternating runs each, medians. The split is the script's own Stopwatch (medians, ms); the rest of the wall time is pwsh's start.", '')
        $lines += ConvertTo-MarkdownTable @('Backend', 'bare pwsh (s)', 'fresh -File + upload (s)', 'over bare (ms)', 'import / connect / upload (ms)', 'Target', 'Met') $rows
    }
    $i = Get-ImportRow
    if ($i) {
        $lines += @('## Module import', '')
        $lines += ConvertTo-MarkdownTable @('bare `pwsh -NoProfile -c exit`', '`pwsh -NoProfile -c Import-Module …`', 'import cost', 'Target', 'Met') @(
            , @(('{0:0.000} s' -f $i.Bare.Median), ('{0:0.000} s' -f $i.Import.Median), ('{0:0} ms' -f $i.DeltaMs), "≤ $script:ImportToleranceMs ms", (Format-Met ($i.DeltaMs -le $script:ImportToleranceMs))))
    }
    $lines
}

function Get-EveryRunLines {
    $rows = @(foreach ($group in $script:Samples | Group-Object Backend, Workload, Tool) {
        $g = $group.Group
        $first = $g[0]
        $wall = ($g | ForEach-Object { '{0:0.000}{1}' -f $_.Seconds, $(if ($_.Failed) { ' (failed)' } else { '' }) }) -join ', '
        $peak = ($g | ForEach-Object { if ($null -ne $_.PeakMiB) { $_.PeakMiB } else { '—' } }) -join ', '
        $cpu = ($g | ForEach-Object { if ($null -ne $_.ServerCpu) { '{0:0.00}' -f $_.ServerCpu } else { '—' } }) -join ', '
        , @($first.Backend, $first.Workload, $first.Tool, $wall, $peak, $cpu)
    })
    @('## Every run', '', 'Server CPU: seconds of CPU the test server process (node) used during the step — when it is close to the wall time, the server was the bottleneck.', '') +
        (ConvertTo-MarkdownTable @('Backend', 'Workload', 'Tool', 'Runs (wall s)', 'Peak (MiB)', 'Server CPU s') @($rows))
}

function Write-Results {
    $lines = @(Get-HeaderLines) + @(Get-GoalLines) + @(Get-BackendLines) + @(Get-MemoryLines) + @(Get-FlatnessLines) + @(Get-StartLines) + @(Get-EveryRunLines)
    if ($script:Notes.Count) { $lines += @('## Notes from this run', '') + @($script:Notes | ForEach-Object { "- $_" }) }
    Set-Content -Path $OutFile -Value $lines
    Write-Host "Results written to $OutFile"
}

#endregion
