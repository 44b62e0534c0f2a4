<#
.SYNOPSIS
Re-sync of an unchanged tree on the S3 test server: requests and time of Sync-BronzeFolder beside
`aws s3 sync` and `rclone sync --checksum`. Writes bench/sync.md.

.DESCRIPTION
Starts the S3 test server (tests/servers), makes -Files small files, lands them once with each tool
under its own prefix, then times -Runs re-runs of each tool over the unchanged tree. Every re-run goes
through tests/FaultProxy with faults off, which counts the HTTP requests. Each tool runs as its own
process (its start included); ours also in an open session, with the hash cache warm and off.
Not part of the tests. Build first (build.ps1 Build, and dotnet build tests/FaultProxy).
#>
param(
    [int] $Files = 2000,
    [int] $Runs = 3,
    [string] $WorkFolder = (Join-Path ([IO.Path]::GetTempPath()) "mf-syncbench-$PID")
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
$module = Join-Path $root 'out/MedallionFoundry/MedallionFoundry.psd1'
$proxyDll = Get-ChildItem (Join-Path $root 'tests/FaultProxy/bin') -Recurse -Filter FaultProxy.dll | Sort-Object LastWriteTime -Descending | Select-Object -First 1
if (-not (Test-Path $module) -or -not $proxyDll) { throw 'Build the module and tests/FaultProxy first.' }
Import-Module (Join-Path $root 'tests/servers/TestServers.psm1') -Force
New-Item -ItemType Directory $WorkFolder -Force | Out-Null

function Start-Proxy {
    $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($proxyDll.FullName, '--target', $env:MF_TEST_S3_ENDPOINT)) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true; $info.RedirectStandardOutput = $true; $info.UseShellExecute = $false
    $p = [Diagnostics.Process]::Start($info)
    if ($p.StandardOutput.ReadLine() -notmatch '^listening (\S+)') { throw 'proxy did not start' }
    [pscustomobject]@{ Process = $p; Url = $Matches[1] }
}
function Get-ProxyRequests($Proxy) {
    $Proxy.Process.StandardInput.WriteLine('stats')
    [int](($Proxy.Process.StandardOutput.ReadLine()) -replace '^stats requests=(\d+).*$', '$1')
}
function Invoke-Tool([string[]] $Command, [hashtable] $Environment = @{}) {
    $envArgs = @('-u', 'AWS_CA_BUNDLE') + @($Environment.Keys | ForEach-Object { "$_=$($Environment[$_])" })
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $out = & /usr/bin/env @envArgs @Command 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$($Command -join ' ') failed: $($out | Select-Object -Last 5)" }
    $clock.Elapsed.TotalSeconds
}
function Median([double[]] $v) { $s = $v | Sort-Object; if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }

try {
    Start-TestServers -WorkFolder $WorkFolder -Name s3 | Out-Null
    $src = Join-Path $WorkFolder 'src'
    $rng = [Random]::new(1)
    for ($i = 0; $i -lt $Files; $i++) {
        $dir = Join-Path $src ('dt=2025-01-{0:D2}' -f ($i % 28 + 1))
        [IO.Directory]::CreateDirectory($dir) | Out-Null
        $bytes = [byte[]]::new(1000 + $rng.Next(3000)); $rng.NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $dir "part-$i.csv"), $bytes)
    }
    Get-ChildItem $src -Recurse -File | ForEach-Object { $_.LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-1) }
    $bytesTotal = (Get-ChildItem $src -Recurse -File | Measure-Object Length -Sum).Sum

    $awsConfig = Join-Path $WorkFolder 'aws-empty.conf'; Set-Content $awsConfig ''
    $awsEnv = @{ AWS_ACCESS_KEY_ID = $env:MF_TEST_S3_ACCESS_KEY; AWS_SECRET_ACCESS_KEY = $env:MF_TEST_S3_SECRET_KEY; AWS_DEFAULT_REGION = 'us-east-1'; AWS_CONFIG_FILE = $awsConfig; AWS_SHARED_CREDENTIALS_FILE = $awsConfig }
    $rcloneConfig = Join-Path $WorkFolder 'rclone.conf'
    function Set-RcloneEndpoint([string] $Url) {
        Set-Content $rcloneConfig "[s3b]`ntype = s3`nprovider = Other`naccess_key_id = $env:MF_TEST_S3_ACCESS_KEY`nsecret_access_key = $env:MF_TEST_S3_SECRET_KEY`nendpoint = $Url`nforce_path_style = true`nregion = us-east-1`n"
    }
    Set-RcloneEndpoint $env:MF_TEST_S3_ENDPOINT
    Invoke-Tool @('rclone', '--config', $rcloneConfig, 'mkdir', 's3b:bench') | Out-Null

    $cache = Join-Path $WorkFolder 'hash-cache'
    $oursScript = Join-Path $WorkFolder 'ours.ps1'
    Set-Content $oursScript @"
param([string] `$Url, [string] `$Prefix)
Import-Module '$module'
Connect-BronzeStorage -Backend S3 -Bucket bench -Prefix `$Prefix -EndpointUrl `$Url -Credential ([pscredential]::new(`$env:MF_TEST_S3_ACCESS_KEY, (ConvertTo-SecureString `$env:MF_TEST_S3_SECRET_KEY -AsPlainText -Force))) | Out-Null
`$s = Sync-BronzeFolder '$src' ''
if (`$s.Failed -gt 0) { exit 1 }
"`$(`$s.Uploaded) uploaded, `$(`$s.Skipped) skipped"
"@
    $pwsh = @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $oursScript)
    $startOnly = Join-Path $WorkFolder 'start-only.ps1'
    Set-Content $startOnly "param([string] `$Url) Import-Module '$module'; Connect-BronzeStorage -Backend S3 -Bucket bench -Prefix ours -EndpointUrl `$Url -Credential ([pscredential]::new(`$env:MF_TEST_S3_ACCESS_KEY, (ConvertTo-SecureString `$env:MF_TEST_S3_SECRET_KEY -AsPlainText -Force))) | Out-Null"
    $tools = [ordered]@{
        'pwsh start, Import-Module, Connect only (no sync: the fixed cost in the rows below)' = @{ Run = { param($u) Invoke-Tool @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $startOnly, $u) } }
        'Sync-BronzeFolder (new process, hash cache warm)' = @{ Run = { param($u) Invoke-Tool ($pwsh + @($u, 'ours')) @{ MEDALLIONFOUNDRY_HASH_CACHE = $cache } } }
        'Sync-BronzeFolder (new process, hash cache off)' = @{ Run = { param($u) Invoke-Tool ($pwsh + @($u, 'ours')) @{ MEDALLIONFOUNDRY_HASH_CACHE = 'off' } } }
        'aws s3 sync' = @{ Run = { param($u) Invoke-Tool @('/usr/bin/aws', '--endpoint-url', $u, 's3', 'sync', '--only-show-errors', $src, 's3://bench/aws') $awsEnv } }
        'rclone sync --checksum' = @{ Run = { param($u) Set-RcloneEndpoint $u; Invoke-Tool @('rclone', '--config', $rcloneConfig, 'sync', '--checksum', $src, 's3b:bench/rclone') } }
    }

    # The first landing, straight to the server.
    Invoke-Tool ($pwsh + @($env:MF_TEST_S3_ENDPOINT, 'ours')) @{ MEDALLIONFOUNDRY_HASH_CACHE = $cache } | Out-Null
    Invoke-Tool ($pwsh + @($env:MF_TEST_S3_ENDPOINT, 'ours')) @{ MEDALLIONFOUNDRY_HASH_CACHE = $cache } | Out-Null # fills the hash cache
    & $tools['aws s3 sync'].Run $env:MF_TEST_S3_ENDPOINT | Out-Null
    & $tools['rclone sync --checksum'].Run $env:MF_TEST_S3_ENDPOINT | Out-Null

    $proxy = Start-Proxy
    $rows = foreach ($name in $tools.Keys) {
        $times = @(); $requests = @()
        for ($r = 0; $r -lt $Runs; $r++) {
            $before = Get-ProxyRequests $proxy
            $times += & $tools[$name].Run $proxy.Url
            $requests += (Get-ProxyRequests $proxy) - $before
        }
        [pscustomobject]@{ Tool = $name; Seconds = [math]::Round((Median $times), 2); Requests = ($requests | Sort-Object -Unique) -join '/' }
    }

    # Ours inside an open session (no process start, no module import), cache warm.
    Import-Module $module
    $env:MEDALLIONFOUNDRY_HASH_CACHE = $cache
    Connect-BronzeStorage -Backend S3 -Bucket bench -Prefix ours -EndpointUrl $proxy.Url -Credential ([pscredential]::new($env:MF_TEST_S3_ACCESS_KEY, (ConvertTo-SecureString $env:MF_TEST_S3_SECRET_KEY -AsPlainText -Force))) | Out-Null
    $times = @(); $requests = @()
    for ($r = 0; $r -lt $Runs; $r++) {
        $before = Get-ProxyRequests $proxy
        $s = Sync-BronzeFolder $src ''
        if ($s.Uploaded -ne 0 -or $s.Skipped -ne $Files) { throw "the in-session re-sync moved files: $($s | Out-String)" }
        $times += $s.Duration.TotalSeconds
        $requests += (Get-ProxyRequests $proxy) - $before
    }
    $rows = @($rows) + [pscustomobject]@{ Tool = 'Sync-BronzeFolder (open session, hash cache warm)'; Seconds = [math]::Round((Median $times), 2); Requests = ($requests | Sort-Object -Unique) -join '/' }
    Disconnect-BronzeStorage -All
    $proxy.Process.StandardInput.Close(); $proxy.Process.WaitForExit(5000) | Out-Null

    $md = [Text.StringBuilder]::new()
    $null = $md.AppendLine('# Re-sync of an unchanged tree (S3 test server)')
    $null = $md.AppendLine()
    $null = $md.AppendLine("$Files files ($([math]::Round($bytesTotal / 1MB, 1)) MiB, 28 folders), landed once by each tool under its own prefix, then re-run $Runs times over the unchanged tree; median wall time of the whole process (start included) unless noted. HTTP requests counted by tests/FaultProxy (faults off) between the tool and @20minutes/s3rver 5.0.0 on 127.0.0.1. Machine: 2 cores, shared (load average $((Get-Content /proc/loadavg) -split ' ' | Select-Object -First 1) at the end: absolute times are inflated by other work, the request counts are not). Run by ``bench/Invoke-SyncBenchmark.ps1`` on $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC.")
    $null = $md.AppendLine()
    $null = $md.AppendLine('| Tool | Seconds | Requests per re-run |')
    $null = $md.AppendLine('|---|---:|---:|')
    foreach ($row in $rows) { $null = $md.AppendLine("| $($row.Tool) | $($row.Seconds) | $($row.Requests) |") }
    $null = $md.AppendLine()
    $null = $md.AppendLine("Tools: $((rclone version 2>$null | Select-Object -First 1)), $((& /usr/bin/aws --version 2>&1) -split ' ' | Select-Object -First 1), pwsh $($PSVersionTable.PSVersion).")
    $null = $md.AppendLine('aws s3 sync decides by size and time (it reads no file); rclone --checksum and Sync-BronzeFolder compare MD5s, rclone hashing every local file each run, ours reading only files the hash cache cannot vouch for (with the cache off: every file).')
    Set-Content (Join-Path $PSScriptRoot 'sync.md') $md.ToString()
    $rows | Format-Table -AutoSize | Out-String | Write-Host
}
finally {
    Stop-TestServers
    Remove-Item $WorkFolder -Recurse -Force -ErrorAction SilentlyContinue
}
