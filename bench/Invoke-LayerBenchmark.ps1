<#
.SYNOPSIS
Throughput and peak memory of each storage layer on one 512 MiB file, beside the bare backend (issue 18).

.DESCRIPTION
Not part of the test command. Uses the module as built in out/MedallionFoundry (run ./build.ps1 Build
first) and the local backend (no server: the numbers are the layers' own cost). For each stack it starts
a fresh pwsh, connects with a platform YAML, sends the file and gets it back, and prints the seconds of
each direction (and of a second download: a cache hit for the cache) and the process's peak resident memory (VmHWM) above its resident memory after connect.
The data is random (incompressible): the worst case for compress; text compresses far better and faster.
  dotnet pwsh ./bench/Invoke-LayerBenchmark.ps1 [-SizeMiB 512] [-WorkFolder /tmp/mf-layer-bench]
#>
param(
    [int] $SizeMiB = 512,
    [string] $WorkFolder = '/tmp/mf-layer-bench',
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/MedallionFoundry')
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force $WorkFolder | Out-Null
$source = Join-Path $WorkFolder "big-$SizeMiB.bin"
if (-not (Test-Path $source) -or (Get-Item $source).Length -ne $SizeMiB * 1MB) {
    & head -c ($SizeMiB * 1MB) /dev/urandom > $source
}
$env:MF_BENCH_KEY = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))

$stacks = [ordered]@{
    'bare local'       = ''
    'zstd'             = "      - compress: { algorithm: zstd, level: 3 }`n"
    'gzip'             = "      - compress: { algorithm: gzip, level: 6 }`n"
    'aes-gcm'          = "      - encrypt: { key_env: MF_BENCH_KEY }`n"
    'zstd + aes-gcm'   = "      - compress: { algorithm: zstd }`n      - encrypt: { key_env: MF_BENCH_KEY }`n"
    'cache'            = "      - cache: { path: CACHE, max_size: 2GB }`n"
}
$rows = foreach ($name in $stacks.Keys) {
    $run = Join-Path $WorkFolder ([guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $run | Out-Null
    $layers = $stacks[$name].Replace('CACHE', (Join-Path $run 'cache'))
    $yaml = "platform:`n  bronze:`n    storage_backend: local`n    local_path: $run/store`n" + $(if ($layers) { "    layers:`n$layers" })
    Set-Content (Join-Path $run 'platform.yaml') $yaml
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath/MedallionFoundry.psd1'
Connect-BronzeStorage -ConfigPath '$run/platform.yaml'
function Kb([string] `$field) { [long]((Get-Content /proc/self/status | Where-Object { `$_ -like "`${field}:*" }) -replace '\D', '') }
`$before = Kb 'VmRSS'
`$up = Measure-Command { Send-BronzeFile '$source' 'bench/big.bin' | Out-Null }
`$down = Measure-Command { Get-BronzeFile 'bench/big.bin' -Destination '$run/back.bin' | Out-Null }
`$again = Measure-Command { Get-BronzeFile 'bench/big.bin' -Destination '$run/again.bin' | Out-Null }
'{0:0.00}|{1:0.00}|{2:0.00}|{3}' -f `$up.TotalSeconds, `$down.TotalSeconds, `$again.TotalSeconds, ((Kb 'VmHWM') - `$before)
"@
    $out = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
    $up, $down, $again, $peakKb = ($out | Select-Object -Last 1) -split '\|'
    $hash = (Get-FileHash $source).Hash
    $same = $hash -eq (Get-FileHash "$run/back.bin").Hash -and $hash -eq (Get-FileHash "$run/again.bin").Hash
    [pscustomobject]@{
        Stack = $name; 'Up s' = $up; 'Up MiB/s' = [math]::Round($SizeMiB / [double]$up, 0)
        'Down s' = $down; 'Down MiB/s' = [math]::Round($SizeMiB / [double]$down, 0); 'Again s' = $again
        'Peak RSS +MiB' = [math]::Round([long]$peakKb / 1024, 0); 'Bytes equal' = $same
        'Stored MiB' = [math]::Round((Get-ChildItem "$run/store" -Recurse -File | Measure-Object Length -Sum).Sum / 1MB, 0)
    }
    Remove-Item $run -Recurse -Force
}
$rows | Format-Table -AutoSize | Out-String -Width 200
Remove-Item Env:MF_BENCH_KEY
