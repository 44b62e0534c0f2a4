# The Azure backend as a user meets it: a YAML config whose connection string comes from an
# environment variable, and the three pipelines, against Azurite (started by build.ps1 Test).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:ConnectionString = Get-RequiredTestVariable 'MF_TEST_AZURE_CONNECTION_STRING'
    $script:Container = "mf-pester-$([guid]::NewGuid().ToString('N').Substring(0, 12))"

    # The config names a variable; the secret itself never enters the file.
    $env:MF_PESTER_AZURE_CONNECTION = $script:ConnectionString
    $script:Work = New-TestFolder 'azure'
    $script:ConfigPath = Join-Path $script:Work 'platform.yaml'
    @"
platform:
  bronze:
    storage_backend: azure
    azure_storage_account: devstoreaccount1
    azure_container: $script:Container
    azure_prefix: bronze/pester
  azure_connection:
    connection_string_env: MF_PESTER_AZURE_CONNECTION
    create_container: true
    transfer_size: 1MiB
    initial_transfer_size: 1MiB
"@ | Set-Content -Path $script:ConfigPath

    function Get-Sha256([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash }
}

AfterAll {
    Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue
    Remove-Item Env:MF_PESTER_AZURE_CONNECTION -ErrorAction SilentlyContinue
    if ($script:Work) { Remove-Item $script:Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Azure backend from a YAML config' {
    BeforeAll {
        Connect-BronzeStorage -ConfigPath $script:ConfigPath
        $script:Source = Join-Path $script:Work 'extract'
        $script:Sizes = [ordered]@{ 'part-0001.csv' = 1; 'part-0002.csv' = 70000; 'part-0003.bin' = 3MB + 11 }
        $seed = 1
        foreach ($name in $script:Sizes.Keys) { New-TestFile -Path (Join-Path $script:Source $name) -Size $script:Sizes[$name] -Seed ($seed++) | Out-Null }
    }

    It 'shows the connection as azure, at the container and prefix, with no secret' {
        $info = Get-BronzeStorage
        $info.Backend | Should -Be 'azure'
        $info.Location | Should -BeLike "*/$($script:Container)/bronze/pester"
        ($info | Out-String) | Should -Not -Match 'AccountKey|sig='
    }

    It 'uploads with Get-ChildItem | Send-BronzeFile' {
        $sent = Get-ChildItem -LiteralPath $script:Source -File | Send-BronzeFile -Destination 'system=api/table=users/' -PassThru
        @($sent).Count | Should -Be 3
        $listed = Get-BronzeFileList 'system=api/table=users/'
        ($listed.Path | Sort-Object) | Should -Be ($script:Sizes.Keys | ForEach-Object { "system=api/table=users/$_" } | Sort-Object)
        foreach ($item in $listed) { $item.Size | Should -Be $script:Sizes[(Split-Path $item.Path -Leaf)] }
    }

    It 'downloads with Get-BronzeFileList | Get-BronzeFile, every byte intact' {
        $down = Join-Path $script:Work 'down'
        $files = Get-BronzeFileList 'system=api/' | Get-BronzeFile -Destination $down
        @($files).Count | Should -Be 3
        foreach ($name in $script:Sizes.Keys) {
            Get-Sha256 (Join-Path $down "system=api/table=users/$name") | Should -Be (Get-Sha256 (Join-Path $script:Source $name))
        }
        @(Get-ChildItem $down -Recurse -Force -File -Filter '*.mfpart').Count | Should -Be 0
    }

    It 'removes with Get-BronzeFileList | Remove-BronzeFile' {
        Get-BronzeFileList 'system=api/table=users/' | Where-Object Path -Like '*.csv' | Remove-BronzeFile
        (Get-BronzeFileList 'system=api/').Path | Should -Be 'system=api/table=users/part-0003.bin'
        Get-BronzeFileList 'system=api/' | Remove-BronzeFile
        @(Get-BronzeFileList 'system=api/').Count | Should -Be 0
    }
}

Describe 'Azure backend from parameters' {
    It 'connects with -Backend Azure -Account -Container -ConnectionString -CreateContainer and round-trips a file' {
        $container = "mf-pester-p-$([guid]::NewGuid().ToString('N').Substring(0, 10))"
        Connect-BronzeStorage -Backend Azure -Account devstoreaccount1 -Container $container -Prefix 'params' `
            -ConnectionString $script:ConnectionString -CreateContainer -Name params
        $file = New-TestFile -Path (Join-Path $script:Work 'params/data.csv') -Size 4096 -Seed 9
        Send-BronzeFile -Path $file.FullName -Destination 'x/data.csv'
        $back = Join-Path $script:Work 'params-back/data.csv'
        Get-BronzeFile 'x/data.csv' -Destination $back | Out-Null
        Get-Sha256 $back | Should -Be (Get-Sha256 $file.FullName)
        (Get-BronzeStorage -Name params).Location | Should -BeLike "*/$container/params"
    }

    It 'fails with an error naming the container when it is missing and -CreateContainer is not given' {
        $container = "mf-pester-missing-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        { Connect-BronzeStorage -Backend Azure -Container $container -ConnectionString $script:ConnectionString -Name missing } |
            Should -Throw -ErrorId 'ConnectBronzeStorageContainerNotFound,MedallionFoundry.Commands.ConnectBronzeStorageCommand' -ExpectedMessage "*$container*"
        Connect-BronzeStorage -Backend Azure -Container $container -ConnectionString $script:ConnectionString -Name missing -SkipCheck
        $file = New-TestFile -Path (Join-Path $script:Work 'missing/a.csv') -Size 10
        # A missing container is about the connection: one terminating error, naming it.
        $err = $null
        try { Send-BronzeFile -Path $file.FullName -Destination 'a.csv' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'SendBronzeFileContainerNotFound,*'
        "$err" | Should -Match ([regex]::Escape($container))
    }

    It 'refuses a config that chooses no authentication, listing the options' {
        { Connect-BronzeStorage -Backend Azure -Account devstoreaccount1 -Container bronze -Name noauth } |
            Should -Throw -ErrorId 'ConnectBronzeStorageInvalidConfiguration,MedallionFoundry.Commands.ConnectBronzeStorageCommand' -ExpectedMessage '*platform.azure_connection*sas_token_env*use_managed_identity*'
    }
}
