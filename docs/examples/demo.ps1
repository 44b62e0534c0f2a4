<#
.SYNOPSIS
The main job on the local-disk backend, end to end: upload a small partitioned dataset, list it,
download it, verify every byte, remove it through a pipeline. Needs no server.
#>
param(
    # Folder of the built module (build.ps1 passes out/MedallionFoundry).
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/MedallionFoundry')
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'MedallionFoundry.psd1') -Force

$work = Join-Path ([IO.Path]::GetTempPath()) "medallionfoundry-demo-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
$source = Join-Path $work 'extract'
$bronze = Join-Path $work 'bronze'
$downloads = Join-Path $work 'downloads'

# 1. A small partitioned dataset, as an extractor would leave it.
$rows = @{
    'system=demo/table=users/dt=2025-01-01/part-0001.csv' = "id,name`n1,ada`n2,grace`n"
    'system=demo/table=users/dt=2025-01-02/part-0001.csv' = "id,name`n3,edsger`n"
    'system=demo/table=orders/dt=2025-01-01/part-0001.csv' = "id,user,amount`n10,1,9.50`n11,2,12.00`n"
}
foreach ($path in $rows.Keys) {
    $file = Join-Path $source $path
    New-Item -ItemType Directory -Force -Path (Split-Path $file) | Out-Null
    [IO.File]::WriteAllText($file, $rows[$path])
}

try {
    # 2. Connect to the local-disk backend (no server needed) and upload, keeping the layout.
    Connect-BronzeStorage -Backend Local -Path $bronze | Out-Null
    $sent = Send-BronzeFile -Path $source -Recurse -PassThru
    Write-Host "Uploaded $($sent.Count) files to $bronze"

    # 3. List what is there.
    $listed = Get-BronzeFileList -Prefix 'system=demo/'
    $listed | Format-Table | Out-String | Write-Host

    # 4. Download everything the listing returned, and compare the bytes.
    $files = $listed | Get-BronzeFile -Destination $downloads
    $mismatches = foreach ($item in $listed) {
        $original = Get-FileHash (Join-Path $source $item.Path)
        $copy = Get-FileHash (Join-Path $downloads $item.Path)
        if ($original.Hash -ne $copy.Hash) { $item.Path }
    }
    if ($mismatches) { throw "Round-trip mismatch: $($mismatches -join ', ')" }
    Write-Host "Downloaded $($files.Count) files; every byte matches (SHA-256)."

    # 5. Remove one table through a pipeline, then check only the other one is left.
    Get-BronzeFileList 'system=demo/table=users/' | Remove-BronzeFile
    $left = @(Get-BronzeFileList 'system=demo/')
    Write-Host "Removed table=users; $($left.Count) file(s) left: $($left.Path -join ', ')"
    if ($left.Count -ne 1) { throw "Expected 1 file left, found $($left.Count)." }

    Write-Host 'Demo round-trip OK.'
}
finally {
    Disconnect-BronzeStorage -All
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
