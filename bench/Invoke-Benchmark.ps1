<#
.SYNOPSIS
Measures MedallionFoundry against rclone, aws-cli and cp on the test servers; writes bench/results.md.

.DESCRIPTION
Workloads (each measured -Runs times, the median reported, bytes or counts verified every time):
  W1      one 512 MiB file up and down (sha256 after every download). The download source is uploaded
          by our module (its large uploads store the XXH3-128 their downloads check); "W1 down, other
          writer" downloads the same bytes uploaded by rclone (MD5 only), in session and by the peers
  W2      2,000 files of 16 KiB in partition folders up and down (combined sha256 after every download)
  W3      list 10,000 objects (the count checked)
  W4      delete 10,000 objects from a listing pipeline (re-seeded before every run; none left after;
          on Azure a fresh Azurite before every tool, so each deletes from a container of exactly 10,000)
  W1Big   one 2 GiB file up and down with our module only (one run): peak memory flat with file size
  Start   a fresh `pwsh -File` that imports, connects and uploads one 16 KiB file, against a bare pwsh start
  Import  Import-Module in a fresh pwsh against a bare pwsh start
The local backend runs W1, W2, W1Big and Start against cp. Our module is timed twice: as a fresh
process (import + connect + cmdlet, like the peers) and in this session on an open connection.
Whenever W1 or W1Big runs, bare pwsh starts are measured beside them (the memory baseline).
See bench/README.md.

.EXAMPLE
dotnet pwsh ./bench/Invoke-Benchmark.ps1
.EXAMPLE
dotnet pwsh ./bench/Invoke-Benchmark.ps1 -Runs 1 -Workload W2,W3 -Backend s3
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 20)]
    [int] $Runs = 3,

    # W1, W2, W3, W4, W1Big, Start, Import (a comma-separated string works too: `pwsh -File` passes one).
    [string[]] $Workload = @('W1', 'W2', 'W3', 'W4', 'W1Big', 'Start', 'Import'),

    # local, s3, azure, sftp.
    [string[]] $Backend = @('local', 's3', 'azure', 'sftp'),

    # Scratch folder (test data, server data, logs). Emptied at the start, except the generated data.
    [string] $WorkFolder = '/tmp/mf-bench',

    [string] $OutFile = (Join-Path $PSScriptRoot 'results.md'),

    # Use the module already built in out/MedallionFoundry.
    [switch] $SkipBuild,

    # Another built module (a throwaway profiling build, say).
    [string] $ModulePath,

    # Only these tools (ours, ours-session, rclone, aws, cp), to re-measure one cell; default all.
    # Start and W1Big run with ours.
    [string[]] $Tool = @('ours', 'ours-session', 'rclone', 'aws', 'cp')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
function Split-List([string[]] $Values, [string[]] $Allowed, [string] $Name) {
    $items = @($Values | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
    foreach ($item in $items) { if ($item -notin $Allowed) { throw "-$Name '$item' is not one of: $($Allowed -join ', ')." } }
    $items
}
$Workload = Split-List $Workload @('W1', 'W2', 'W3', 'W4', 'W1Big', 'Start', 'Import') 'Workload'
$Backend = Split-List $Backend @('local', 's3', 'azure', 'sftp') 'Backend'
$Tool = Split-List $Tool @('ours', 'ours-session', 'rclone', 'aws', 'cp') 'Tool'
$Root = Split-Path $PSScriptRoot -Parent
$StartedAt = Get-Date
$CommandLine = "dotnet pwsh ./bench/Invoke-Benchmark.ps1 -Runs $Runs -Workload $($Workload -join ',') -Backend $($Backend -join ',')" +
    $(if ($ModulePath) { " -ModulePath $ModulePath" } else { '' }) + $(if ($Tool.Count -lt 5) { " -Tool $($Tool -join ',')" } else { '' }) + $(if ($WorkFolder -ne '/tmp/mf-bench') { " -WorkFolder $WorkFolder" } else { '' })

$MiB = 1024 * 1024
$W1Bytes = 512 * $MiB
$W1BigBytes = 2048L * $MiB
$StartFileBytes = 16 * 1024
$W2Files = 2000
$W2FileBytes = 16 * 1024
$W3Objects = 10000

#region tools and data

function Install-MissingTools {
    $missing = @()
    if (-not (Test-Path /usr/bin/rclone)) { $missing += 'rclone' }
    if (-not (Test-Path /usr/bin/aws)) { $missing += 'awscli' }
    if (-not (Test-Path /usr/bin/time)) { $missing += 'time' }
    if ($missing.Count -eq 0) { return }
    Write-Host "Installing $($missing -join ', ') from Debian packages..."
    $asRoot = if ((id -u) -eq '0') { '' } else { 'sudo ' }
    & bash -c "${asRoot}apt-get update -qq"
    if ($LASTEXITCODE -ne 0) { throw "apt-get update failed (exit $LASTEXITCODE)." }
    & bash -c "${asRoot}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $($missing -join ' ')"
    if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed (exit $LASTEXITCODE)." }
}

function Write-RandomFile([string] $Path, [int] $Bytes, [Random] $Random) {
    $buffer = [byte[]]::new($Bytes)
    $Random.NextBytes($buffer)
    [IO.File]::WriteAllBytes($Path, $buffer)
}

# The test data is generated once and kept between benchmark runs (it never changes).
function Initialize-Data([string] $Folder) {
    New-Item -ItemType Directory -Force -Path $Folder | Out-Null
    $big = Join-Path $Folder 'big.bin'
    if (-not (Test-Path $big) -or (Get-Item $big).Length -ne $W1Bytes) {
        Write-Host 'Generating the 512 MiB file...'
        & bash -c "head -c $W1Bytes /dev/urandom > '$big'"
    }
    $random = [Random]::new(6)
    $w2 = Join-Path $Folder 'w2'
    if (@(Get-ChildItem $w2 -Recurse -File -ErrorAction SilentlyContinue).Count -ne $W2Files) {
        Write-Host "Generating $W2Files files of 16 KiB..."
        Remove-Item $w2 -Recurse -Force -ErrorAction SilentlyContinue
        for ($i = 0; $i -lt $W2Files; $i++) {
            $day = Join-Path $w2 ('system=bench/table=t/dt=2025-01-{0:d2}' -f (1 + [int][math]::Floor($i / 100)))
            if ($i % 100 -eq 0) { New-Item -ItemType Directory -Force -Path $day | Out-Null }
            Write-RandomFile (Join-Path $day ('part-{0:d4}.bin' -f $i)) $W2FileBytes $random
        }
    }
    $w3 = Join-Path $Folder 'w3'
    if (@(Get-ChildItem $w3 -Recurse -File -ErrorAction SilentlyContinue).Count -ne $W3Objects) {
        Write-Host "Generating $W3Objects small files to list and delete..."
        Remove-Item $w3 -Recurse -Force -ErrorAction SilentlyContinue
        for ($i = 0; $i -lt $W3Objects; $i++) {
            $day = Join-Path $w3 ('system=bench/table=t/dt=2025-01-{0:d2}' -f (1 + [int][math]::Floor($i / 400)))
            if ($i % 400 -eq 0) { New-Item -ItemType Directory -Force -Path $day | Out-Null }
            Write-RandomFile (Join-Path $day ('part-{0:d5}.bin' -f $i)) 64 $random
        }
    }
    $small = Join-Path $Folder 'small.bin'
    if (-not (Test-Path $small) -or (Get-Item $small).Length -ne $StartFileBytes) { Write-RandomFile $small $StartFileBytes $random }
    [pscustomobject]@{
        Big = $big; BigHash = Get-FileSha256 $big
        W2 = $w2; W2Hash = Get-FolderSha256 $w2
        W3 = $w3
        Small = $small; SmallHash = Get-FileSha256 $small
        Huge = $null; HugeHash = $null
    }
}

# The 2 GiB file of W1Big, generated only when W1Big runs. Up to three more copies lie on disk at
# once (the local store's or the S3 server's source, an upload's parts and the object assembled
# from them, or a download), hence the check first.
function Initialize-BigData([string] $Folder, [object] $Data) {
    $huge = Join-Path $Folder 'big-2g.bin'
    $present = (Test-Path $huge) -and (Get-Item $huge).Length -eq $W1BigBytes
    $needed = 3 * $W1BigBytes + $(if ($present) { 0 } else { $W1BigBytes }) + 1024L * $MiB
    $free = [long]((& df --output=avail -B1 -- $Folder | Select-Object -Last 1).Trim())
    if ($free -lt $needed) {
        throw ("W1Big needs {0:0.0} GiB free in {1} (the 2 GiB file{2}, three copies of it at most, 1 GiB spare); {3:0.0} GiB are free. " +
            'Free some space, point -WorkFolder elsewhere, or leave W1Big out of -Workload.') -f ($needed / 1GB), $Folder, $(if ($present) { ' is there' } else { '' }), ($free / 1GB)
    }
    if (-not $present) {
        Write-Host 'Generating the 2 GiB file...'
        & bash -c "head -c $W1BigBytes /dev/urandom > '$huge'"
    }
    $Data.Huge = $huge
    $Data.HugeHash = Get-FileSha256 $huge
}

function Get-FileSha256([string] $Path) { ((& sha256sum -- $Path) -split ' ')[0] }

# One hash over every file's relative path and content hash: equal only when the trees are.
function Get-FolderSha256([string] $Path) {
    if (-not (Test-Path $Path)) { return 'missing' }
    $out = & bash -c 'cd "$0" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum' $Path
    ($out -split ' ')[0]
}

#endregion

#region running and timing

function Invoke-Native([string] $What, [string[]] $Command) {
    $output = & $Command[0] $Command[1..($Command.Count - 1)] 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE): $($output | Select-Object -Last 5)" }
    $output
}

$script:Step = 0
# Times one process end to end (its start included); peak resident memory from /usr/bin/time.
# The output goes to a log file, not through PowerShell; AWS_CA_BUNDLE is removed (rclone fails with it).
function Invoke-TimedProcess([string] $Label, [string[]] $Command, [hashtable] $Environment = @{}) {
    $script:Step++
    $log = Join-Path $script:Logs ('{0:d4}-{1}.log' -f $script:Step, $Label)
    $rss = "$log.rss"
    $envArgs = @('-u', 'AWS_CA_BUNDLE') + @($Environment.Keys | ForEach-Object { "$_=$($Environment[$_])" })
    & sync
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & bash -c 'exec >"$0" 2>&1; exec "$@"' $log /usr/bin/time -f '%M' -o $rss /usr/bin/env @envArgs @Command
    $code = $LASTEXITCODE
    $clock.Stop()
    $tail = (Get-Content $log -Tail 8 | ForEach-Object { ($_ -replace "`e\[[0-9;]*m", '').Trim() } | Where-Object { $_ }) -join ' '
    $failure = if ($code -ne 0) { "exit $code; log $log`: $tail" } else { $null }
    $peak = Get-Content $rss -Tail 1 -ErrorAction SilentlyContinue
    $peakMiB = if ($peak -match '^\d+$') { [math]::Round([double]$peak / 1024, 1) } else { $null }
    [pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds; PeakMiB = $peakMiB; Log = $log; Output = $null; Failure = $failure }
}

# Times one operation of our module in this session, on the connection already open.
function Invoke-TimedInSession([scriptblock] $Action) {
    & sync
    [GC]::Collect()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $output = & $Action
    $clock.Stop()
    [pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds; PeakMiB = $null; Log = $null; Output = $output; Failure = $null }
}

$script:Samples = [Collections.Generic.List[object]]::new()

# CPU seconds the test server of a backend has used so far (utime + stime from /proc): the
# difference over a step shows whether the server, not the client, was the bottleneck.
function Get-ServerCpuSeconds([string] $BackendName) {
    if (-not $script:ServerPid.ContainsKey($BackendName)) { return $null }
    $fields = (Get-Content "/proc/$($script:ServerPid[$BackendName])/stat" -Raw) -replace '^.*\) ', '' -split ' '
    ([double]$fields[11] + [double]$fields[12]) / 100
}

function Find-ServerPids {
    $script:ServerPid = @{}
    foreach ($pair in @(@('s3', $env:MF_TEST_S3_ENDPOINT, 'start-s3rver.js'), @('azure', $env:MF_TEST_AZURE_BLOB_ENDPOINT, 'azurite'))) {
        if (-not $pair[1]) { continue }
        $port = ([Uri]$pair[1]).Port
        foreach ($dir in Get-ChildItem /proc -Directory | Where-Object Name -match '^\d+$') {
            $cmd = try { (Get-Content "$($dir.FullName)/cmdline" -Raw -ErrorAction Stop) -replace "`0", ' ' } catch { '' }
            if ($cmd -like "*$($pair[2])*" -and $cmd -like "* $port *") { $script:ServerPid[$pair[0]] = [int]$dir.Name; break }
        }
    }
}

<#
Measures one tool on one workload once: Prepare (untimed), the timed step, Verify (untimed; gets
the timing record and throws when the bytes or counts are wrong). $Step is a command line (a fresh
process) or a scriptblock (in this session). A step that fails (exit code, exception) is recorded
as failed with its time and message, and the run goes on; a failed verification stops the run.
#>
function Measure-Step {
    param([string] $BackendName, [string] $Name, [string] $Tool, [int] $Run, [scriptblock] $Prepare, $Step, [scriptblock] $Verify)
    if ($Prepare) { & $Prepare }
    # Every step starts with no dirty pages: otherwise the tool that runs first after a large write pays
    # the kernel's writeback of the step before it (measured: ours, always first, up to 1.3 x cp on W1).
    if (-not $IsWindows) { & sync }
    $label = "$BackendName-$Name-$Tool-$Run"
    $serverBefore = Get-ServerCpuSeconds $BackendName
    if ($Step -is [scriptblock]) {
        # A cmdlet that throws is the tool failing; a process's failure is its exit code.
        $clock = [Diagnostics.Stopwatch]::StartNew()
        try { $result = Invoke-TimedInSession $Step }
        catch { $result = [pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds; PeakMiB = $null; Log = $null; Output = $null; Failure = $_.Exception.Message } }
    }
    else { $result = Invoke-TimedProcess $label $Step (Get-ToolEnvironment $Tool) }
    $failure = $result.Failure
    $serverCpu = if ($null -ne $serverBefore) { (Get-ServerCpuSeconds $BackendName) - $serverBefore } else { $null }
    if ($failure) { Add-Note ("**{0} {1} {2} run {3} failed** after {4:0.0} s: {5}" -f $BackendName, $Name, $Tool, $Run, $result.Seconds, $failure) }
    elseif ($Verify) { & $Verify $result }
    $split = if ($result.Log) { Get-OursSplit $result.Log } else { $null }
    $script:Samples.Add([pscustomobject]@{
            Backend = $BackendName; Workload = $Name; Tool = $Tool; Run = $Run; Seconds = $result.Seconds; PeakMiB = $result.PeakMiB
            ServerCpu = $serverCpu; Failed = [bool]$failure; Split = $split
        })
    $memory = if ($null -ne $result.PeakMiB) { ", peak $($result.PeakMiB) MiB" } else { '' }
    $server = if ($null -ne $serverCpu) { ", server CPU $('{0:0.00}' -f $serverCpu) s" } else { '' }
    $outcome = if ($failure) { ' FAILED' } else { '' }
    Write-Host ('  {0,-6} {1,-10} {2,-13} run {3}: {4,8:0.000} s{5}{6}{7}' -f $BackendName, $Name, $Tool, $Run, $result.Seconds, $memory, $server, $outcome)
}

function Add-Note([string] $Text) {
    $script:Notes.Add($Text)
    Write-Warning $Text
}

# Where the time of a fresh process of ours went: its "timing:" line (milliseconds from
# inside the script; the pwsh start before the script is the rest of the wall time).
function Get-OursSplit([string] $Log) {
    $line = Get-Content $Log | Where-Object { $_ -like 'timing: *' } | Select-Object -Last 1
    if (-not $line) { return $null }
    $split = @{}
    foreach ($pair in ($line -replace '^timing: ', '') -split ' ') { $kv = $pair -split '='; $split[$kv[0]] = [double]$kv[1] }
    [pscustomobject]$split
}

# A bare pwsh start, the way every fresh pwsh here starts: the baseline of the start-up and memory goals.
function Get-BarePwshCommand { @((Get-DotnetPath), (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-c', 'exit') }

# Bare pwsh starts beside the W1 steps: the peak RSS the memory goal is measured over, in the same run.
function Measure-BarePwsh([string] $BackendName, [int] $Run, [int] $Count = 3) {
    for ($i = 1; $i -le $Count; $i++) { Measure-Step $BackendName 'bare pwsh' 'bare pwsh' (($Run - 1) * $Count + $i) -Step (Get-BarePwshCommand) }
}

function Get-ToolEnvironment([string] $Tool) {
    switch ($Tool) {
        'aws' {
            @{
                AWS_ACCESS_KEY_ID = $env:MF_TEST_S3_ACCESS_KEY; AWS_SECRET_ACCESS_KEY = $env:MF_TEST_S3_SECRET_KEY
                AWS_DEFAULT_REGION = 'us-east-1'; AWS_CONFIG_FILE = $script:AwsConfig; AWS_SHARED_CREDENTIALS_FILE = $script:AwsConfig; AWS_PAGER = ''
            }
        }
        'rclone' { @{ RCLONE_CONFIG = $script:RcloneConfig } }
        default { @{} }
    }
}

# A fresh process of ours: a generated script of the lines a user would write (New-OursScript).
function Get-OursCommand([string] $BackendName, [string] $Operation, [string] $Source, [string] $Remote, [string] $Destination) {
    $script:OursScripts++
    $file = Join-Path $script:Scripts ('{0:D3}-{1}-{2}.ps1' -f $script:OursScripts, $BackendName, $Operation)
    Set-Content -Path $file -Value (New-OursScript $script:Module $BackendName $script:LocalStore $Operation $Source $Remote $Destination)
    @((Get-DotnetPath), (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $file)
}

# pwsh here runs as `dotnet pwsh.dll`; fresh processes start the same way, without the extra
# `dotnet pwsh` tool launcher in front (measured and bare starts alike).
function Get-DotnetPath { [Environment]::ProcessPath }

#endregion

#region remotes

function New-AzuriteAccountSas([string] $Account, [string] $Key) {
    # Account SAS, version 2019-12-12: blob service, service/container/object, all permissions, http allowed.
    $expiry = [DateTime]::UtcNow.AddDays(1).ToString('yyyy-MM-ddTHH:mm:ssZ')
    $fields = @($Account, 'rwdlacup', 'b', 'sco', '', $expiry, '', 'https,http', '2019-12-12', '')
    $hmac = [Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($Key))
    $signature = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($fields -join "`n")))
    'sv=2019-12-12&ss=b&srt=sco&sp=rwdlacup&se={0}&spr=https,http&sig={1}' -f [Uri]::EscapeDataString($expiry), [Uri]::EscapeDataString($signature)
}

function Initialize-Remotes {
    $lines = @()
    if ($Backend -contains 's3') {
        $lines += @('[s3b]', 'type = s3', 'provider = Other', "access_key_id = $env:MF_TEST_S3_ACCESS_KEY", "secret_access_key = $env:MF_TEST_S3_SECRET_KEY",
            "endpoint = $env:MF_TEST_S3_ENDPOINT", 'force_path_style = true', 'region = us-east-1', '')
    }
    if ($Backend -contains 'azure') {
        $sas = New-AzuriteAccountSas $env:MF_TEST_AZURE_ACCOUNT $env:MF_TEST_AZURE_KEY
        $lines += @('[az]', 'type = azureblob', "sas_url = $env:MF_TEST_AZURE_BLOB_ENDPOINT/bench?$sas", '')
        # The container, created with the same SAS (rclone does not create it through a container URL).
        Invoke-WebRequest -Method Put -Uri "$env:MF_TEST_AZURE_BLOB_ENDPOINT/bench?restype=container&$sas" -Headers @{ 'x-ms-version' = '2019-12-12' } | Out-Null
    }
    if ($Backend -contains 'sftp') {
        # The same OpenSSH server, user and known_hosts; its only subsystem is internal-sftp, so rclone
        # gets no shell (no remote md5sum: hash checks off, as ours verifies by size).
        $lines += @('[sftpb]', 'type = sftp', "host = $env:MF_TEST_SFTP_HOST", "port = $env:MF_TEST_SFTP_PORT", "user = $env:MF_TEST_SFTP_USER",
            "pass = $(rclone obscure $env:MF_TEST_SFTP_PASSWORD)", "known_hosts_file = $env:MF_TEST_SFTP_KNOWN_HOSTS", 'shell_type = none', 'disable_hashcheck = true', '')
    }
    $script:RcloneConfig = Join-Path $WorkFolder 'rclone.conf'
    Set-Content -Path $script:RcloneConfig -Value $lines
    & chmod 600 $script:RcloneConfig
    $script:AwsConfig = Join-Path $WorkFolder 'aws-empty.conf'
    Set-Content -Path $script:AwsConfig -Value ''
    if ($Backend -contains 's3') { Invoke-Rclone 'creating the bucket' mkdir 's3b:bench' | Out-Null }
}

function Invoke-Rclone([string] $What) {
    $saved = $env:AWS_CA_BUNDLE
    Remove-Item Env:AWS_CA_BUNDLE -ErrorAction SilentlyContinue
    try { Invoke-Native "rclone ($What)" (@('rclone', '--config', $script:RcloneConfig) + $args) }
    finally { if ($saved) { $env:AWS_CA_BUNDLE = $saved } }
}

function Get-RemoteBase([string] $BackendName) {
    switch ($BackendName) { 's3' { 's3b:bench' } 'sftp' { "sftpb:$env:MF_TEST_SFTP_ROOT/bench" } default { 'az:bench' } }
}

# Count and bytes under a remote prefix, as rclone sees them (verifies uploads, seeds and deletes).
function Get-RemoteSize([string] $BackendName, [string] $Prefix) {
    $json = Invoke-Rclone 'size' size --fast-list --json "$(Get-RemoteBase $BackendName)/$Prefix"
    $json | ConvertFrom-Json
}

function Assert-RemoteSize([string] $BackendName, [string] $Prefix, [long] $Count, [long] $Bytes) {
    $size = Get-RemoteSize $BackendName $Prefix
    if ($size.count -ne $Count -or $size.bytes -ne $Bytes) {
        throw "$BackendName $Prefix holds $($size.count) objects, $($size.bytes) bytes; expected $Count, $Bytes."
    }
}

function Copy-ToRemote([string] $BackendName, [string] $Source, [string] $Prefix) {
    Invoke-Rclone 'seeding' copy --transfers 32 --checkers 32 --no-check-dest $Source "$(Get-RemoteBase $BackendName)/$Prefix" | Out-Null
}

#endregion

#region workloads

function Assert-Equal($Actual, $Expected, [string] $What) {
    if ($Actual -ne $Expected) { throw "Verification failed: $What is '$Actual', expected '$Expected'." }
}

function Reset-Folder([string] $Path) {
    if (Test-Path $Path) { Remove-Item $Path -Recurse -Force }
    New-Item -ItemType Directory -Force -Path $Path | Out-Null
}

<#
A checked W2 folder is set aside (renamed into the work folder), not deleted, until the run has ended. This
machine's ext4 has no journal, and without one ext4 does not reuse an inode freed in the last minute (six while
its inode-table block is still dirty): each new file's inode search steps over every recently freed one,
reading its table block. Deleting 2,000 files just before the next tool wrote 2,000 charged that tool the
search, in kernel time (perf: `recently_deleted` under `ext4_create`; ours in session: ~1 s of system CPU per
2,000 downloads, 2.4-3.1 s wall after a delete against 1.9-2.3 s without). A rename frees no inode.
#>
function Set-Aside([string] $Path) {
    $aside = Join-Path $WorkFolder 'set-aside'
    New-Item -ItemType Directory -Force -Path $aside | Out-Null
    $script:SetAside++
    Move-Item -LiteralPath $Path -Destination (Join-Path $aside $script:SetAside)
}

function Get-LogCount([object] $Result, [string] $Tool) {
    if ($Tool -eq 'ours-session') { return $Result.Output }
    $lines = @(Get-Content $Result.Log | Where-Object { $_ -and $_ -notmatch '^\s*$' })
    if ($Tool -eq 'ours') { return [int](($lines | Where-Object { $_ -like 'count=*' } | Select-Object -Last 1) -replace 'count=', '') }
    $lines.Count
}

function Invoke-RemoteWorkloads([string] $B) {
    $base = Get-RemoteBase $B
    $tools = @('ours', 'ours-session', 'rclone') + $(if ($B -eq 's3') { 'aws' } else { @() })
    $tools = @($tools | Where-Object { $_ -in $Tool -and ($script:OursAvailable -or $_ -notlike 'ours*') })
    $ep = $env:MF_TEST_S3_ENDPOINT
    $aws = @('/usr/bin/aws', '--endpoint-url', $ep, 's3')
    # --fast-list: one recursive listing instead of one per folder (rclone's advice for S3). On the
    # S3 test server it is also needed: its delimiter listings miss objects two levels down (DESIGN.md).
    $rclone = @('rclone', '--fast-list')
    $out = Join-Path $WorkFolder "out-$B"
    if ($Workload -contains 'Start') { Invoke-StartWorkload $B }

    Write-Host "== ${B}: seeding the download and listing sources"
    if ($Workload -contains 'W1') {
        if ($script:OursAvailable) { Invoke-BenchOperation SendFile -Source $Data.Big -Remote 'w1src/big.bin' | Out-Null }
        else { Invoke-Rclone 'seeding' copyto $Data.Big "$base/w1src/big.bin" | Out-Null }
        Invoke-Rclone 'seeding' copyto $Data.Big "$base/w1other/big.bin" | Out-Null
    }
    if ($Workload -contains 'W2') { Copy-ToRemote $B $Data.W2 'w2src' }
    if ($Workload -contains 'W3') { Copy-ToRemote $B $Data.W3 'w3' }

    for ($run = 1; $run -le $Runs; $run++) {
        if ($Workload -contains 'W1') {
            Measure-BarePwsh $B $run
            foreach ($tool in $tools) {
                $remote = "w1up/$tool-$run/big.bin"
                $step = switch ($tool) {
                    'ours' { Get-OursCommand $B SendFile -Source $Data.Big -Remote $remote }
                    'ours-session' { { Invoke-BenchOperation SendFile -Source $Data.Big -Remote $remote } }
                    'rclone' { $rclone + @('copyto', $Data.Big, "$base/$remote") }
                    'aws' { $aws + @('cp', '--only-show-errors', $Data.Big, "s3://bench/$remote") }
                }
                Measure-Step $B 'W1 up' $tool $run -Step $step -Verify {
                    Assert-RemoteSize $B $remote 1 $W1Bytes
                    Invoke-Rclone 'cleanup' deletefile "$base/$remote" | Out-Null # Azurite keeps blobs in memory
                }
            }
            # w1src was uploaded by ours (with the XXH3-128 its downloads check); w1other, the same bytes, by
            # rclone (checked against their MD5), timed in session and for the peers (they check neither).
            foreach ($source in @(@('W1 down', 'w1src'), @('W1 down, other writer', 'w1other'))) {
                $name, $folder = $source
                foreach ($tool in $tools | Where-Object { $_ -ne 'ours' -or $folder -eq 'w1src' }) {
                    $target = Join-Path $out "$tool/big.bin"
                    $step = switch ($tool) {
                        'ours' { Get-OursCommand $B GetFile -Remote "$folder/big.bin" -Destination $target }
                        'ours-session' { { Invoke-BenchOperation GetFile -Remote "$folder/big.bin" -Destination $target } }
                        'rclone' { $rclone + @('copyto', "$base/$folder/big.bin", $target) }
                        'aws' { $aws + @('cp', '--only-show-errors', "s3://bench/$folder/big.bin", $target) }
                    }
                    Measure-Step $B $name $tool $run -Prepare { Reset-Folder (Split-Path $target) } -Step $step -Verify {
                        Assert-Equal (Get-FileSha256 $target) $Data.BigHash "sha256 of $target"
                        Remove-Item $target
                    }
                }
            }
        }
        if ($Workload -contains 'W2') {
            foreach ($tool in $tools) {
                $remote = "w2up/$tool-$run/"
                $step = switch ($tool) {
                    'ours' { Get-OursCommand $B SendFolder -Source $Data.W2 -Remote $remote }
                    'ours-session' { { Invoke-BenchOperation SendFolder -Source $Data.W2 -Remote $remote } }
                    'rclone' { $rclone + @('copy', $Data.W2, "$base/$remote") }
                    'aws' { $aws + @('cp', '--recursive', '--only-show-errors', $Data.W2, "s3://bench/$remote") }
                }
                Measure-Step $B 'W2 up' $tool $run -Step $step -Verify { Assert-RemoteSize $B $remote $W2Files ($W2Files * $W2FileBytes) }
            }
            foreach ($tool in $tools) {
                $folder = Join-Path $out "$tool-w2"
                $target = Join-Path $folder 'w2src'
                $step = switch ($tool) {
                    'ours' { Get-OursCommand $B GetFolder -Remote 'w2src/' -Destination $folder }
                    'ours-session' { { Invoke-BenchOperation GetFolder -Remote 'w2src/' -Destination $folder } }
                    'rclone' { $rclone + @('copy', "$base/w2src", $target) }
                    'aws' { $aws + @('cp', '--recursive', '--only-show-errors', 's3://bench/w2src/', $target) }
                }
                Measure-Step $B 'W2 down' $tool $run -Prepare { Reset-Folder $folder } -Step $step -Verify {
                    Assert-Equal (Get-FolderSha256 $target) $Data.W2Hash "the combined sha256 of $target"
                    Set-Aside $folder
                }
            }
        }
        if ($Workload -contains 'W3') {
            foreach ($tool in $tools) {
                $step = switch ($tool) {
                    'ours' { Get-OursCommand $B List -Remote 'w3/' }
                    'ours-session' { { Invoke-BenchOperation List -Remote 'w3/' } }
                    'rclone' { $rclone + @('lsf', '-R', '--files-only', "$base/w3/") }
                    'aws' { $aws + @('ls', '--recursive', 's3://bench/w3/') }
                }
                Measure-Step $B 'W3 list' $tool $run -Step $step -Verify {
                    param($result)
                    Assert-Equal (Get-LogCount $result $tool) $W3Objects "the number of objects $tool listed"
                }
            }
        }
    }
    if ($Workload -contains 'W1Big') { Invoke-BigFileWorkload $B }
    if ($Workload -contains 'W4') { Invoke-DeleteWorkload $B $tools }
}

<#
W4, after every other workload of the backend: for each run and tool, 10,000 objects are seeded
and deleted. On Azure, Azurite is restarted (empty, in memory) before every seed: it slows down
with the number of blobs it holds (~20 deletes/s with 40,000), so every tool deletes from a
container holding exactly the 10,000 seeded blobs, and no other.
#>
function Invoke-DeleteWorkload([string] $B, [string[]] $Tools) {
    $base = Get-RemoteBase $B
    for ($run = 1; $run -le $Runs; $run++) {
        foreach ($tool in $Tools) {
            $step = switch ($tool) {
                'ours' { Get-OursCommand $B Delete -Remote 'w4/' }
                'ours-session' { { Invoke-BenchOperation Delete -Remote 'w4/' } }
                'rclone' { @('rclone', '--fast-list', 'delete', "$base/w4/") }
                'aws' { @('/usr/bin/aws', '--endpoint-url', $env:MF_TEST_S3_ENDPOINT, 's3', 'rm', '--recursive', '--only-show-errors', 's3://bench/w4/') }
            }
            Measure-Step $B 'W4 delete' $tool $run -Prepare {
                if ($B -eq 'azure') { Restart-Azurite }
                Copy-ToRemote $B $Data.W3 'w4'
                $prefix = if ($B -eq 'azure') { '' } else { 'w4/' } # on Azure: nothing else in the container
                Assert-Equal (Get-RemoteSize $B $prefix).count $W3Objects "the number of objects under '$prefix' after seeding"
            } -Step $step -Verify {
                Assert-Equal (Get-RemoteSize $B 'w4/').count 0 "the number of objects left after $tool deleted"
            }
        }
    }
}

function Invoke-LocalWorkloads {
    $store = $script:LocalStore
    Reset-Folder $store
    $out = Join-Path $WorkFolder 'out-local'
    $tools = @('ours', 'ours-session', 'cp' | Where-Object { $_ -in $Tool })
    New-Item -ItemType Directory -Force -Path (Join-Path $store 'w1src') | Out-Null
    Copy-Item $Data.Big (Join-Path $store 'w1src/big.bin')
    Copy-Item $Data.W2 (Join-Path $store 'w2src') -Recurse
    if ($Workload -contains 'Start') { Invoke-StartWorkload local }

    for ($run = 1; $run -le $Runs; $run++) {
        if ($Workload -contains 'W1') {
            Measure-BarePwsh local $run
            foreach ($tool in $tools) {
                $remote = "w1up/$tool-$run/big.bin"
                $target = Join-Path $store $remote
                $step = switch ($tool) {
                    'ours' { Get-OursCommand local SendFile -Source $Data.Big -Remote $remote }
                    'ours-session' { { Invoke-BenchOperation SendFile -Source $Data.Big -Remote $remote } }
                    'cp' { @('cp', $Data.Big, $target) }
                }
                Measure-Step local 'W1 up' $tool $run -Prepare { New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null } -Step $step -Verify {
                    Assert-Equal (Get-FileSha256 $target) $Data.BigHash "sha256 of $target"
                    Remove-Item $target
                }
            }
            foreach ($tool in $tools) {
                $target = Join-Path $out "$tool/big.bin"
                $step = switch ($tool) {
                    'ours' { Get-OursCommand local GetFile -Remote 'w1src/big.bin' -Destination $target }
                    'ours-session' { { Invoke-BenchOperation GetFile -Remote 'w1src/big.bin' -Destination $target } }
                    'cp' { @('cp', (Join-Path $store 'w1src/big.bin'), $target) }
                }
                Measure-Step local 'W1 down' $tool $run -Prepare { Reset-Folder (Split-Path $target) } -Step $step -Verify {
                    Assert-Equal (Get-FileSha256 $target) $Data.BigHash "sha256 of $target"
                    Remove-Item $target
                }
            }
        }
        if ($Workload -contains 'W2') {
            foreach ($tool in $tools) {
                $remote = "w2up/$tool-$run/"
                $target = Join-Path $store $remote
                $step = switch ($tool) {
                    'ours' { Get-OursCommand local SendFolder -Source $Data.W2 -Remote $remote }
                    'ours-session' { { Invoke-BenchOperation SendFolder -Source $Data.W2 -Remote $remote } }
                    'cp' { @('cp', '-r', $Data.W2, $target.TrimEnd('/')) }
                }
                Measure-Step local 'W2 up' $tool $run -Prepare { New-Item -ItemType Directory -Force -Path (Join-Path $store 'w2up') | Out-Null } -Step $step -Verify {
                    Assert-Equal (Get-FolderSha256 $target) $Data.W2Hash "the combined sha256 of $target"
                    Set-Aside $target
                }
            }
            foreach ($tool in $tools) {
                $folder = Join-Path $out "$tool-w2"
                $target = Join-Path $folder 'w2src'
                $step = switch ($tool) {
                    'ours' { Get-OursCommand local GetFolder -Remote 'w2src/' -Destination $folder }
                    'ours-session' { { Invoke-BenchOperation GetFolder -Remote 'w2src/' -Destination $folder } }
                    'cp' { @('cp', '-r', (Join-Path $store 'w2src'), $target) }
                }
                Measure-Step local 'W2 down' $tool $run -Prepare { Reset-Folder $folder } -Step $step -Verify {
                    Assert-Equal (Get-FolderSha256 $target) $Data.W2Hash "the combined sha256 of $target"
                    Set-Aside $folder
                }
            }
        }
    }
    if ($Workload -contains 'W1Big') { Invoke-BigFileWorkload local }
}

function Invoke-ImportWorkload {
    $pwsh = @((Get-DotnetPath), (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive')
    # Process starts are noisy on a shared machine: three times the runs, alternating.
    for ($run = 1; $run -le 3 * $Runs; $run++) {
        Measure-Step pwsh 'Import' 'bare pwsh' $run -Step (Get-BarePwshCommand)
        Measure-Step pwsh 'Import' 'import' $run -Step ($pwsh + @('-c', "Import-Module '$($script:Module)'"))
    }
}

<#
Start: what a fresh `pwsh -File` script that uploads one small file pays over a bare pwsh start
(import + connect + first request), alternating the two, three times the runs. The script's own
Stopwatch split (import / connect / upload) comes from its log.
#>
function Invoke-StartWorkload([string] $B) {
    if (-not $script:OursAvailable -or 'ours' -notin $script:Tool) { return } # ($tool of a caller's loop would hide -Tool)
    for ($run = 1; $run -le 3 * $Runs; $run++) {
        $remote = "start/ours-$run/small.bin"
        Measure-Step $B 'Start' 'bare pwsh' $run -Step (Get-BarePwshCommand)
        Measure-Step $B 'Start' 'ours' $run -Step (Get-OursCommand $B SendFile -Source $Data.Small -Remote $remote) -Verify {
            Assert-Uploaded $B $remote $StartFileBytes $Data.SmallHash
        }
    }
}

<#
W1Big: one 2 GiB file up and down with our module in a fresh process (one run), beside bare pwsh
starts: its peak memory against W1's (512 MiB) shows whether memory stays flat with file size.
The download source is written by rclone, as W1's is; the bytes are verified the same way.
#>
function Invoke-BigFileWorkload([string] $B) {
    if (-not $script:OursAvailable -or 'ours' -notin $script:Tool) { return } # ($tool of a caller's loop would hide -Tool)
    $source = 'w1bigsrc/big-2g.bin'
    $remote = 'w1bigup/ours-1/big-2g.bin'
    $target = Join-Path $WorkFolder "out-$B/ours-big/big-2g.bin"
    Write-Host "== ${B}: W1Big (2 GiB)"
    Publish-Source $B $Data.Huge $source
    try {
        Measure-BarePwsh $B 1
        Measure-Step $B 'W1Big up' 'ours' 1 -Step (Get-OursCommand $B SendFile -Source $Data.Huge -Remote $remote) -Verify {
            Assert-Uploaded $B $remote $W1BigBytes $Data.HugeHash
        }
        Measure-Step $B 'W1Big down' 'ours' 1 -Prepare { Reset-Folder (Split-Path $target) } -Step (Get-OursCommand $B GetFile -Remote $source -Destination $target) -Verify {
            Assert-Equal (Get-FileSha256 $target) $Data.HugeHash "sha256 of $target"
        }
    }
    finally {
        Remove-Item (Split-Path $target) -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Source $B $source
    }
}

# An upload's check, then its removal (Azurite keeps blobs in memory): the local store's copy by
# sha256, a remote object by count and bytes (rclone size).
function Assert-Uploaded([string] $B, [string] $Remote, [long] $Bytes, [string] $Hash) {
    if ($B -eq 'local') {
        $path = Join-Path $script:LocalStore $Remote
        Assert-Equal (Get-FileSha256 $path) $Hash "sha256 of $path"
        Remove-Item $path
    }
    else {
        Assert-RemoteSize $B $Remote 1 $Bytes
        Invoke-Rclone 'cleanup' deletefile "$(Get-RemoteBase $B)/$Remote" | Out-Null
    }
}

# A download source written by another tool: rclone on a server, a plain copy in the local store.
function Publish-Source([string] $B, [string] $Path, [string] $Remote) {
    if ($B -eq 'local') {
        $target = Join-Path $script:LocalStore $Remote
        New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
        Copy-Item $Path $target
    }
    else { Invoke-Rclone 'seeding' copyto $Path "$(Get-RemoteBase $B)/$Remote" | Out-Null }
}

function Remove-Source([string] $B, [string] $Remote) {
    if ($B -eq 'local') { Remove-Item (Join-Path $script:LocalStore $Remote) -Force -ErrorAction SilentlyContinue }
    else { Invoke-Rclone 'cleanup' deletefile "$(Get-RemoteBase $B)/$Remote" | Out-Null }
}

<#
A fresh, empty Azurite (in memory) in place of the running one, through tests/servers/TestServers.psm1
(a new port: the MF_TEST_AZURE_* variables, rclone's remote, the container, the server's pid and
our session's connection are all renewed).
#>
function Restart-Azurite {
    if ($script:ServerPid.ContainsKey('azure')) {
        $old = [Diagnostics.Process]::GetProcessById($script:ServerPid['azure'])
        $old.Kill($true)
        if (-not $old.WaitForExit(10000)) { throw "Azurite (pid $($old.Id)) did not stop within 10 s." }
    }
    Start-TestServers -Name azurite -WorkFolder (Join-Path $WorkFolder 'servers') | Out-Host
    Initialize-Remotes
    Find-ServerPids
    if ($script:OursAvailable) { Connect-BenchBackend -Backend azure | Out-Null }
}

#endregion


$script:Notes = [Collections.Generic.List[string]]::new()
Install-MissingTools
if ($ModulePath) { $script:Module = (Resolve-Path $ModulePath).Path }
else {
    if (-not $SkipBuild) {
        & dotnet pwsh (Join-Path $Root 'build.ps1') Build
        if ($LASTEXITCODE -ne 0) { throw "The module build failed (exit $LASTEXITCODE)." }
    }
    $script:Module = Join-Path $Root 'out/MedallionFoundry/MedallionFoundry.psd1'
}
if (-not (Test-Path $script:Module)) { throw "The module is not built: $script:Module is missing. Run without -SkipBuild." }

$dataFolder = Join-Path $WorkFolder 'data'
foreach ($child in Get-ChildItem $WorkFolder -ErrorAction SilentlyContinue | Where-Object Name -ne 'data') { Remove-Item $child.FullName -Recurse -Force }
$script:Logs = Join-Path $WorkFolder 'logs'
$script:LocalStore = Join-Path $WorkFolder 'local-store'
$script:Scripts = Join-Path $WorkFolder 'scripts'
$script:OursScripts = 0
$script:SetAside = 0
New-Item -ItemType Directory -Force -Path $script:Logs, $script:Scripts | Out-Null
$Data = Initialize-Data $dataFolder
if ($Workload -contains 'W1Big') { Initialize-BigData $dataFolder $Data }

Import-Module $script:Module
. (Join-Path $PSScriptRoot 'BenchOperations.ps1')
. (Join-Path $PSScriptRoot 'BenchReport.ps1')

$servers = @()
if ($Backend -contains 's3') { $servers += 's3' }
if ($Backend -contains 'azure') { $servers += 'azurite' }
if ($Backend -contains 'sftp') { $servers += 'sftp' }
if ($servers) {
    Import-Module (Join-Path $Root 'tests/servers/TestServers.psm1') -Force
    Start-TestServers -Name $servers -WorkFolder (Join-Path $WorkFolder 'servers')
}
try {
    $script:ServerPid = @{}
    if ($servers) { Initialize-Remotes; Find-ServerPids }
    foreach ($b in $Backend) {
        $script:OursAvailable = $true
        try { Connect-BenchBackend -Backend $b -LocalRoot $script:LocalStore }
        catch {
            $script:OursAvailable = $false
            Add-Note "Our module could not connect to $b ($($_.Exception.Message)); only the peers were measured there."
        }
        Write-Host "== $b"
        if ($b -eq 'local') { if (@($Workload | Where-Object { $_ -in 'W1', 'W2', 'W1Big', 'Start' }).Count) { Invoke-LocalWorkloads } }
        else { Invoke-RemoteWorkloads $b }
    }
    if ($Workload -contains 'Import') { Write-Host '== import'; Invoke-ImportWorkload }
}
finally {
    if ($servers) { Stop-TestServers }
    Write-Results
    Remove-Item (Join-Path $WorkFolder 'set-aside') -Recurse -Force -ErrorAction SilentlyContinue # after the last measurement
}
